"""Publish the archive as a static site that works from disk, with Pagefind search when served.

Pagefind holds a site's whole index in memory while it builds (about 100 KB a page), so the article
pages are indexed in shards of at most SHARD_PAGES, each its own bundle (`pagefind/`, `pagefind-1/`,
...) built by its own Pagefind run and rebuilt only when one of its pages changed; the search page
(search-bundles.json lists them) merges them in the browser as a search needs them, so the first
page of results for a common word reads one shard, not the archive. A site of several shards also
gets an index of which shards hold which words (words.py), so a rare word reads only its shards.

    from dateline.search import Archive
    from dateline.search.site import build_site
    report = build_site(Archive("dateline-index"), "site/", queries={"Cocoa": "cocoa"})
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from importlib.resources import files
from itertools import groupby
from pathlib import Path

from dateline.errors import DatelineError
from dateline.indexer.fields import FACET_FIELDS
from dateline.search.archive import Archive
from dateline.search.site.bundles import build_bundle
from dateline.search.site.ledger import LEDGER, PageLedger
from dateline.search.site.pages import PAGE_KINDS, SiteContext
from dateline.search.site.render import Renderer, facet_index_path
from dateline.search.site.words import PART_WORDS, build_words_index, write_part_words

__all__ = ["SiteReport", "build_search", "build_site", "parse_queries"]

NAV = [(f.plural, facet_index_path(f.name)) for f in FACET_FIELDS if f.nav]
SITE_FOLDERS = ("articles", "browse", "queries")  # what the generator owns; anything else is left alone
SEARCH_BUNDLE = "pagefind"
SEARCH_BUNDLES = "search-bundles.json"  # the shards' bundles, for the search page to merge
SHARD_PAGES = int(os.environ.get("DATELINE_SEARCH_SHARD_PAGES", 10_000))
BUILT_FROM = "dateline-pages.sha256"  # in the bundle: the pages it was built from
_MAKERS = ("dateline", "dateline.corpus", "dateline.indexer", "dateline.search", "dateline.templates")


def build_stamp(archive: Archive, queries: Mapping[str, str], search_index: bool) -> str:
    """What a build depends on: the index's state, the saved queries, whether search is indexed
    (and by which Pagefind), and the code and templates that render the pages."""
    made_by = hashlib.sha256()
    for package in _MAKERS:
        for path in sorted(Path(str(files(package))).rglob("*")):
            if path.suffix in {".py", ".html", ".css", ".js"}:
                made_by.update(path.name.encode() + b"\0" + path.read_bytes())
    searched_by = pagefind_version() if search_index else None
    return json.dumps([archive.state, sorted(queries.items()), searched_by, made_by.hexdigest()])


@dataclass
class SiteReport:
    written: int
    unchanged: int
    search_index: bool
    search_error: str | None = None  # why Pagefind failed; the pages are written and browsable all the same
    removed: int = 0
    search_unchanged: bool = False  # the pages are those the search index was built from: not rebuilt

    def summary(self) -> str:
        if self.search_unchanged:
            search = "search index unchanged (no page changed)"
        else:
            search = "search index built" if self.search_index else "search index NOT built"
        if self.search_error:
            search += f" ({self.search_error}); browsing works, search does not"
        removed = f", {self.removed} removed (no longer in the archive)" if self.removed else ""
        return f"{self.written} pages written, {self.unchanged} unchanged (skipped){removed}; {search}"


def parse_queries(lines: list[str], source: str) -> dict[str, str]:
    """Saved queries as NAME=QUERY lines; blank lines and # comments are passed over."""
    queries: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, query = line.partition("=")
        if not sep or not name.strip():
            raise DatelineError(f"{source}:{number}: expected NAME=QUERY, got {line!r}")
        queries[name.strip()] = query.strip()
    return queries


Progress = Callable[[str, int, int], None]  # (step, done, total): "pages" one by one, then "search index"


def _remove_half_written(out: Path) -> None:
    """Pages and downloads are written to a .tmp file beside their place and renamed into it."""
    for partial in out.rglob("*.tmp"):
        partial.unlink(missing_ok=True)


@contextmanager
def site_writes(out: Path) -> Iterator[None]:
    """A write the disk refuses (full, read-only, over quota) ends the build in one line naming the
    site; the pages written stay, the half-written file goes, and the next build rewrites only the
    pages that differ."""
    try:
        yield
    except (OSError, sqlite3.OperationalError) as exc:  # SQLite's own: the ledger's disk full, or locked
        _remove_half_written(out)
        reason = getattr(exc, "strerror", None) or str(exc)
        if "locked" in reason:
            reason = "another build is writing it"
        raise DatelineError(f"{out}: cannot write the site ({reason}); the pages written "
                            "so far are kept and the next build goes on from them") from None


def build_site(archive: Archive, out: str | Path, queries: Mapping[str, str] | None = None,
               on_progress: Progress | None = None, search_index: bool = True) -> SiteReport:
    """Render every page kind into OUT, then let Pagefind index the article pages."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for query in (queries or {}).values():
        archive.search(query, limit=1)  # a malformed saved query fails before anything is written
    with site_writes(out):
        return _build(archive, out, queries or {}, on_progress, search_index)


def _build(archive: Archive, out: Path, queries: Mapping[str, str], on_progress: Progress | None,
           search_index: bool) -> SiteReport:
    _remove_half_written(out)  # left by a build that was killed mid-write
    (out / ".dateline-build.json").unlink(missing_ok=True)  # the ledger's forerunner, with the builder's path
    stamp = build_stamp(archive, queries, search_index)
    with closing(PageLedger(out / LEDGER)) as ledger:
        if ledger.finished(stamp) and all((out / path).is_file() for path in ledger.paths()):
            return SiteReport(0, len(ledger), search_index, search_unchanged=search_index)
        ledger.start()
        renderer = Renderer(out, NAV, ledger)
        renderer.static("style.css")
        renderer.static("search.js")
        context = SiteContext(archive, dict(queries))
        total = sum(kind.count(context) for kind in PAGE_KINDS) if on_progress else 0
        done = 0
        for kind in PAGE_KINDS:
            for page in kind.pages(context):
                renderer.render(page)
                done += 1
                if done % 50 == 0:  # listings read stored articles from all over the index
                    archive.bound_mapped_pages()
                if on_progress:
                    on_progress("pages", done, total)
        report = SiteReport(renderer.written, renderer.unchanged, search_index,
                            removed=renderer.remove_stale(SITE_FOLDERS))
        if search_index:
            archive.release_memory()  # the pages are written: Pagefind's run needs none of the index's arrays
            report.search_error, report.search_unchanged = build_search(out, ledger, on_progress)
            report.search_index = report.search_error is None
        if not report.search_error:
            ledger.finish(stamp)
        return report


@dataclass(frozen=True)
class SearchShard:
    """Article pages Pagefind indexes in one run into one bundle: those whose names begin with one of
    `prefixes` (all of them when there is one shard), and a digest of their paths and contents."""

    bundle: str
    prefixes: tuple[str, ...]
    digest: str

    @property
    def glob(self) -> str:
        return f"articles/{{{','.join(self.prefixes)}}}*.html" if self.prefixes else "articles/*.html"


def search_shards(pages: PageLedger, shard_pages: int = SHARD_PAGES) -> list[SearchShard]:
    """Split the article pages into shards of about equal size, about shard_pages each, by the first
    two characters of the article id (ids are hashes: spread evenly)."""
    total = pages.article_count()
    count = math.ceil(total / shard_pages)
    if count <= 1:
        return [SearchShard(SEARCH_BUNDLE, (), _shard_digest(pages.article_pages()))]
    shards: list[SearchShard] = []
    prefixes: list[str] = []
    members: list[tuple[str, str]] = []  # the shard's pages so far: at most about shard_pages
    taken = 0
    groups = groupby(pages.article_pages(), key=lambda page: page[0].removeprefix("articles/")[:2])
    for prefix, group in groups:
        prefixes.append(prefix)
        grouped = list(group)
        members += grouped
        taken += len(grouped)
        if taken >= total * (len(shards) + 1) / count or taken == total:
            bundle = f"{SEARCH_BUNDLE}-{len(shards)}" if shards else SEARCH_BUNDLE
            shards.append(SearchShard(bundle, tuple(prefixes), _shard_digest(members)))
            prefixes, members = [], []
    return shards


@functools.cache
def pagefind_version() -> str:
    return version("pagefind")


def _shard_digest(pages: Iterable[tuple[str, str]]) -> str:
    """A shard's bundle is built from its pages and by a Pagefind: the search page loads one
    pagefind.js for every bundle, so a new Pagefind builds every bundle anew."""
    digest = hashlib.sha256(f"pagefind {pagefind_version()}\n".encode())
    for path, content in pages:
        digest.update(f"{path} {content}\n".encode())
    return digest.hexdigest()


def build_search(out: Path, pages: PageLedger | None = None, on_progress: Progress | None = None,
                 shard_pages: int = SHARD_PAGES) -> tuple[str | None, bool]:
    """Build the bundle of every shard whose pages changed (pages: the ledger of the build that
    wrote them; default: the article pages as they are on disk); returns why Pagefind failed (or
    None), and whether every bundle was already built from the pages it would be built from now."""
    if pages is None:
        with tempfile.TemporaryDirectory(prefix="dateline-pages-") as scratch:
            on_disk = ((page.relative_to(out).as_posix(), hashlib.sha256(page.read_bytes()).hexdigest())
                       for page in (out / "articles").glob("*.html"))
            with closing(PageLedger.of_pages(Path(scratch) / LEDGER, on_disk)) as ledger:
                return build_search(out, ledger, on_progress, shard_pages)
    shards = search_shards(pages, shard_pages)
    stale = [shard for shard in shards if _built_from(out / shard.bundle) != shard.digest]
    for done, shard in enumerate(stale):
        if on_progress:
            on_progress("search index", done, len(stale))
        error = run_pagefind(out, shard)
        if error:
            return error, False
    for shard in shards:  # for the index of which parts hold a word
        if len(shards) > 1 and (shard in stale or not (out / shard.bundle / PART_WORDS).exists()):
            paths = (out / path for path, _digest in pages.article_pages(shard.prefixes))
            write_part_words(out / shard.bundle, paths)
    error = build_words_index(out, {shard.bundle: shard.digest for shard in shards})
    if error:
        return error, False
    bundles = {shard.bundle for shard in shards}
    for folder in out.glob(f"{SEARCH_BUNDLE}-*"):
        number = folder.name.removeprefix(f"{SEARCH_BUNDLE}-")
        if folder.is_dir() and folder.name not in bundles and number.isdigit():
            shutil.rmtree(folder)  # a shard of a larger split than this one
    (out / SEARCH_BUNDLES).write_text(json.dumps([f"{shard.bundle}/" for shard in shards]))
    return None, not stale


def _built_from(bundle: Path) -> str | None:
    try:
        return (bundle / BUILT_FROM).read_text()
    except OSError:
        return None


def run_pagefind(out: Path, shard: SearchShard) -> str | None:
    """Pagefind indexes the shard's pages into its bundle; None, or why it failed."""
    return build_bundle(out, out / shard.bundle, shard.glob, (BUILT_FROM, shard.digest))
