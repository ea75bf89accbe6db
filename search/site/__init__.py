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

import hashlib
import json
import math
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from dateline.errors import DatelineError
from dateline.indexer.fields import FACET_FIELDS
from dateline.search.archive import Archive
from dateline.search.site.bundles import build_bundle
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
BUILD = ".dateline-build.json"  # what the last build was made from, and the pages it made
_MAKERS = ("dateline", "dateline.corpus", "dateline.indexer", "dateline.search", "dateline.templates")


def build_stamp(archive: Archive, queries: Mapping[str, str], search_index: bool) -> str:
    """What a build's pages depend on: the index's state, the saved queries, whether search is
    indexed, and the code and templates that render them."""
    made_by = hashlib.sha256()
    for package in _MAKERS:
        for path in sorted(Path(str(files(package))).rglob("*")):
            if path.suffix in {".py", ".html", ".css", ".js"}:
                made_by.update(path.name.encode() + b"\0" + path.read_bytes())
    return json.dumps([archive.state, sorted(queries.items()), search_index, made_by.hexdigest()])


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


def build_site(archive: Archive, out: str | Path, queries: Mapping[str, str] | None = None,
               on_progress: Progress | None = None, search_index: bool = True) -> SiteReport:
    """Render every page kind into OUT, then let Pagefind index the article pages."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for query in (queries or {}).values():
        archive.search(query, limit=1)  # a malformed saved query fails before anything is written
    for stale in out.rglob("*.tmp"):  # left by a build that was killed mid-write
        stale.unlink()
    stamp, build = build_stamp(archive, queries or {}, search_index), out / BUILD
    last = _last_build(build)
    if last and last["stamp"] == stamp and all((out / path).is_file() for path in last["pages"]):
        return SiteReport(0, len(last["pages"]), search_index, search_unchanged=search_index)
    build.unlink(missing_ok=True)  # a build that stops halfway is not taken for a finished one
    renderer = Renderer(out, NAV)
    renderer.static("style.css")
    renderer.static("search.js")
    context = SiteContext(archive, dict(queries or {}))
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
        report.search_error, report.search_unchanged = build_search(out, renderer.contents, on_progress)
        report.search_index = report.search_error is None
    if not report.search_error:
        build.write_text(json.dumps({"stamp": stamp, "pages": sorted(renderer.contents)}))
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


def search_shards(pages: Mapping[str, str], shard_pages: int = SHARD_PAGES) -> list[SearchShard]:
    """Split the article pages (path -> digest of its bytes) into shards of about equal size, about
    shard_pages each, by the first two characters of the article id (ids are hashes: spread evenly)."""
    articles = sorted((path, digest) for path, digest in pages.items()
                      if path.startswith("articles/") and path.endswith(".html"))
    count = math.ceil(len(articles) / shard_pages)
    if count <= 1:
        return [SearchShard(SEARCH_BUNDLE, (), hashlib.sha256(repr(articles).encode()).hexdigest())]
    by_prefix: dict[str, list[tuple[str, str]]] = {}
    for path, digest in articles:
        by_prefix.setdefault(path.removeprefix("articles/")[:2], []).append((path, digest))
    shards: list[SearchShard] = []
    prefixes: list[str] = []
    members: list[tuple[str, str]] = []
    taken = 0
    for number, (prefix, group) in enumerate(by_prefix.items(), start=1):
        prefixes.append(prefix)
        members += group
        taken += len(group)
        if number == len(by_prefix) or taken >= len(articles) * (len(shards) + 1) / count:
            bundle = f"{SEARCH_BUNDLE}-{len(shards)}" if shards else SEARCH_BUNDLE
            digest = hashlib.sha256(repr(members).encode()).hexdigest()
            shards.append(SearchShard(bundle, tuple(prefixes), digest))
            prefixes, members = [], []
    return shards


def build_search(out: Path, pages: Mapping[str, str] | None = None, on_progress: Progress | None = None,
                 shard_pages: int = SHARD_PAGES) -> tuple[str | None, bool]:
    """Build the bundle of every shard whose pages changed (pages: path -> digest, as the renderer
    wrote them; default: read from disk); returns why Pagefind failed (or None), and whether every
    bundle was already built from the pages it would be built from now."""
    if pages is None:
        pages = {page.relative_to(out).as_posix(): hashlib.sha256(page.read_bytes()).hexdigest()
                 for page in (out / "articles").glob("*.html")}
    shards = search_shards(pages, shard_pages)
    stale = [shard for shard in shards if _built_from(out / shard.bundle) != shard.digest]
    for done, shard in enumerate(stale):
        if on_progress:
            on_progress("search index", done, len(stale))
        error = run_pagefind(out, shard)
        if error:
            return error, False
    wordless = [shard for shard in shards if len(shards) > 1
                and (shard in stale or not (out / shard.bundle / PART_WORDS).exists())]
    for shard, paths in _pages_of(wordless, pages).items():  # for the index of which parts hold a word
        write_part_words(out / shard.bundle, (out / path for path in paths))
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


def _pages_of(shards: list[SearchShard], pages: Mapping[str, str]) -> dict[SearchShard, list[str]]:
    """The article pages of each of several shards (of a split in more than one), in one pass over
    the pages: a shard holds the pages whose names begin with one of its prefixes."""
    owner = {prefix: shard for shard in shards for prefix in shard.prefixes}
    found: dict[SearchShard, list[str]] = {shard: [] for shard in shards}
    for path in pages:
        name = path.removeprefix("articles/")
        if name != path and name.endswith(".html") and name[:2] in owner:
            found[owner[name[:2]]].append(path)
    return found


def _built_from(bundle: Path) -> str | None:
    try:
        return (bundle / BUILT_FROM).read_text()
    except OSError:
        return None


def _last_build(build: Path) -> dict | None:
    try:
        last = json.loads(build.read_text())
    except (OSError, ValueError):
        return None
    return last if isinstance(last, dict) and {"stamp", "pages"} <= last.keys() else None


def run_pagefind(out: Path, shard: SearchShard) -> str | None:
    """Pagefind indexes the shard's pages into its bundle; None, or why it failed."""
    return build_bundle(out, out / shard.bundle, shard.glob, (BUILT_FROM, shard.digest))
