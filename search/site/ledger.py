"""What a site build made: every page's path and content digest, in SQLite beside the pages.

A build needs the list to remove the pages of articles gone since, to rebuild only the search shards
whose pages changed, and to tell the next build that nothing has (`finished`). Held in a dict it was
about 200 bytes a page, 212 MB at a million: the one part of a build's memory that grew with the
archive. In a SQLite table the build's memory stays flat whatever the archive's size.

The ledger is written in one transaction that the build's end commits, after its mark of a finished
build was removed in one of its own: a build killed midway leaves no finished build, and the next
one renders every page (writing only those whose bytes differ).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

LEDGER = ".dateline-build.sqlite"
_SCHEMA = """
    CREATE TABLE IF NOT EXISTS pages (path TEXT PRIMARY KEY, digest TEXT) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS finished (stamp TEXT);
"""
_RECORD = "INSERT OR REPLACE INTO pages VALUES (?, ?)"
_ARTICLE_PAGES = "FROM pages WHERE path >= ? AND path < ? AND path LIKE '%.html'"
_ARTICLES = ("articles/", "articles0")  # the range of paths under articles/ ('0' follows '/')


class PageLedger:
    def __init__(self, path: Path | str):
        try:
            self.db = _open(path)
        except sqlite3.OperationalError:  # locked by another build, or a folder it cannot write in
            raise
        except sqlite3.DatabaseError:  # damaged: it is only a record of what a build made
            Path(path).unlink()
            self.db = _open(path)

    @classmethod
    def of_pages(cls, path: Path | str, pages: Iterable[tuple[str, str]]) -> PageLedger:
        ledger = cls(path)
        ledger.start()
        ledger.db.executemany(_RECORD, pages)
        return ledger

    def finished(self, stamp: str) -> bool:
        """Whether the last build finished, and with this stamp."""
        row = self.db.execute("SELECT stamp FROM finished").fetchone()
        return row is not None and row[0] == _digest(stamp)

    def start(self) -> None:
        """Forget the last build: its mark first, committed, then its pages, with this build's."""
        self.db.execute("DELETE FROM finished")
        self.db.commit()
        self.db.execute("DELETE FROM pages")

    def record(self, path: str, digest: str) -> None:
        self.db.execute(_RECORD, (path, digest))

    def finish(self, stamp: str) -> None:
        self.db.execute("INSERT INTO finished VALUES (?)", (_digest(stamp),))
        self.db.commit()

    def close(self) -> None:
        self.db.rollback()
        self.db.close()

    def __contains__(self, path: str) -> bool:
        return self.db.execute("SELECT 1 FROM pages WHERE path = ?", (path,)).fetchone() is not None

    def __len__(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM pages").fetchone()[0])

    def paths(self) -> Iterator[str]:
        return (path for path, in self.db.execute("SELECT path FROM pages"))

    def article_pages(self, prefixes: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
        """The article pages (path, digest) in path order: all, or those whose names begin with one of
        `prefixes`, a run of consecutive ones (a search shard's)."""
        bounds = (f"articles/{min(prefixes)}", f"articles/{max(prefixes)}\uffff") if prefixes else _ARTICLES
        return iter(self.db.execute(f"SELECT path, digest {_ARTICLE_PAGES} ORDER BY path", bounds))

    def article_count(self) -> int:
        return int(self.db.execute(f"SELECT count(*) {_ARTICLE_PAGES}", _ARTICLES).fetchone()[0])


def _open(path: Path | str) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    try:
        db.executescript(_SCHEMA)
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def _digest(stamp: str) -> str:
    """The stamp names the index by its path on the builder's machine: the site holds its digest."""
    return hashlib.sha256(stamp.encode()).hexdigest()
