"""Publish the archive as a static site that works from disk, with Pagefind search when served.

    from dateline.search import Archive
    from dateline.search.site import build_site
    report = build_site(Archive("dateline-index"), "site/", queries={"Cocoa": "cocoa"})
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import langcodes

from dateline.children import preexec_die_with_parent
from dateline.errors import DatelineError
from dateline.indexer.fields import FACET_FIELDS
from dateline.search.archive import Archive
from dateline.search.site.pages import PAGE_KINDS, SiteContext
from dateline.search.site.render import Renderer, facet_index_path

__all__ = ["SiteReport", "build_site", "parse_queries"]

NAV = [(f.plural, facet_index_path(f.name)) for f in FACET_FIELDS if f.nav]
SITE_FOLDERS = ("articles", "browse", "queries")  # what the generator owns; anything else is left alone
SEARCH_BUNDLE = "pagefind"
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
            if on_progress:
                on_progress("pages", done, total)
    report = SiteReport(renderer.written, renderer.unchanged, search_index, removed=renderer.remove_stale(SITE_FOLDERS))
    if search_index:
        built_from = out / SEARCH_BUNDLE / BUILT_FROM
        digest = renderer.pages_digest()
        if built_from.is_file() and built_from.read_text() == digest:
            report.search_unchanged = True
        else:
            if on_progress:
                on_progress("search index", 0, 1)
            report.search_error = run_pagefind(out, digest)
            report.search_index = report.search_error is None
    if not report.search_error:
        build.write_text(json.dumps({"stamp": stamp, "pages": sorted(renderer.contents)}))
    return report


def _last_build(build: Path) -> dict | None:
    try:
        last = json.loads(build.read_text())
    except (OSError, ValueError):
        return None
    return last if isinstance(last, dict) and {"stamp", "pages"} <= last.keys() else None


def run_pagefind(out: Path, digest: str) -> str | None:
    """Pagefind (from the pagefind[bin] package) indexes the pages marked data-pagefind-body into a
    new bundle, which then replaces the old one whole (so no file of an old index is left behind);
    returns None, or the line of its output that says why it failed."""
    bundle, fresh = out / SEARCH_BUNDLE, out / f"{SEARCH_BUNDLE}.new"
    shutil.rmtree(fresh, ignore_errors=True)
    result = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(out), "--output-path", str(fresh),
                             "--silent"], capture_output=True, text=True, preexec_fn=preexec_die_with_parent())
    if result.returncode == 0:
        (fresh / BUILT_FROM).write_text(digest)
        old = out / f"{SEARCH_BUNDLE}.old"
        shutil.rmtree(old, ignore_errors=True)
        if bundle.exists():
            bundle.rename(old)
        fresh.rename(bundle)
        shutil.rmtree(old, ignore_errors=True)
        return None
    shutil.rmtree(fresh, ignore_errors=True)
    lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    reason = next((line for line in lines if "panicked" not in line and not line.startswith(("note:", "stack"))),
                  f"exit status {result.returncode}")
    suspects = pages_pagefind_cannot_take(out)
    named = f"; pages with a lang that is no language tag: {', '.join(suspects[:3])}" if suspects else ""
    return f"pagefind failed: {reason}{named}"


_PAGE_LANG = re.compile(rb"<html[^>]*\slang=[\"']([^\"']*)[\"']", re.I)


def pages_pagefind_cannot_take(out: Path) -> list[str]:
    """Pages whose lang attribute is no BCP 47 tag, which Pagefind panics on (it names neither the
    page nor the value). Dateline's own pages always carry a valid tag; these are someone else's."""
    suspects = []
    for page in sorted(out.rglob("*.html")):
        match = _PAGE_LANG.search(page.read_bytes()[:2048])
        if match and not langcodes.tag_is_valid(match.group(1).decode("utf-8", "replace")):
            suspects.append(page.relative_to(out).as_posix())
    return suspects
