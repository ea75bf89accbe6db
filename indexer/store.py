"""Opening and creating the index folder, with one-line errors for every way it can be wrong."""

from __future__ import annotations

from pathlib import Path

from whoosh import index
from whoosh.index import EmptyIndexError, FileIndex

from dateline.errors import ArchiveError
from dateline.indexer.schema import build_schema

INDEX_NAME = "dateline"
DEFAULT_INDEX = "dateline-index"


def _how_to_build(path: Path) -> str:
    return f"build one with: dateline index SOURCES... --index {path}"


def _has_toc(path: Path) -> bool:
    """A Dateline table of contents is there (whether or not it is readable)."""
    return any(path.glob(f"_{INDEX_NAME}_*.toc"))


def open_index(path: str | Path) -> FileIndex:
    """Open an existing Dateline index for reading."""
    path = Path(path)
    if not path.is_dir():
        raise ArchiveError(f"no index at {path}: {_how_to_build(path)}")
    if not _has_toc(path):
        if any(path.iterdir()):
            raise ArchiveError(f"{path} is not a Dateline index (no {INDEX_NAME} table of contents)")
        raise ArchiveError(f"no index at {path}: {_how_to_build(path)}")
    try:
        ix = index.open_dir(str(path), indexname=INDEX_NAME)
        with ix.reader() as reader:
            reader.doc_count()
    except (EmptyIndexError, OSError) as exc:
        raise ArchiveError(f"{path}: cannot open the index ({exc})") from None
    except Exception as exc:  # Whoosh raises whatever unpickling or struct parsing raised on damaged files
        raise ArchiveError(f"{path}: the index is corrupt ({type(exc).__name__}: {exc}); rebuild it") from None
    missing = set(build_schema().names()) - set(ix.schema.names())
    if missing:
        raise ArchiveError(f"{path}: index made by another Dateline version (missing fields {sorted(missing)}); rebuild it")
    return ix


def create_or_open_index(path: str | Path) -> FileIndex:
    """Open the index for writing, creating it in a new or empty folder; never clobber a foreign one."""
    path = Path(path)
    if path.is_dir() and _has_toc(path):
        return open_index(path)
    if path.exists() and not path.is_dir():
        raise ArchiveError(f"{path} is a file, not an index folder")
    if path.is_dir() and any(path.iterdir()):
        raise ArchiveError(f"{path} is not empty and not a Dateline index; choose another --index folder")
    path.mkdir(parents=True, exist_ok=True)
    return index.create_in(str(path), build_schema(), indexname=INDEX_NAME)
