"""Publish the archive as a static site that works from disk, with Pagefind search when served.

    from dateline.search import Archive
    from dateline.search.site import build_site
    report = build_site(Archive("dateline-index"), "site/", queries={"Cocoa": "cocoa"})
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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


@dataclass
class SiteReport:
    written: int
    unchanged: int
    search_index: bool
    search_error: str | None = None  # why Pagefind failed; the pages are written and browsable all the same

    def summary(self) -> str:
        search = "search index built" if self.search_index else "search index NOT built"
        if self.search_error:
            search += f" ({self.search_error}); browsing works, search does not"
        return f"{self.written} pages written, {self.unchanged} unchanged (skipped); {search}"


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


def build_site(archive: Archive, out: str | Path, queries: Mapping[str, str] | None = None,
               on_page: Callable[[int], None] | None = None, search_index: bool = True) -> SiteReport:
    """Render every page kind into OUT, then let Pagefind index the article pages."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for query in (queries or {}).values():
        archive.search(query, limit=1)  # a malformed saved query fails before anything is written
    for stale in out.rglob("*.tmp"):  # left by a build that was killed mid-write
        stale.unlink()
    renderer = Renderer(out, NAV)
    renderer.static("style.css")
    context = SiteContext(archive, dict(queries or {}))
    for kind in PAGE_KINDS:
        for page in kind.pages(context):
            renderer.render(page)
            if on_page:
                on_page(renderer.written + renderer.unchanged)
    error = run_pagefind(out) if search_index else None
    return SiteReport(renderer.written, renderer.unchanged, search_index and error is None, error)


def run_pagefind(out: Path) -> str | None:
    """Pagefind (from the pagefind[bin] package) indexes the pages marked data-pagefind-body; returns
    None, or the line of its output that says why it failed."""
    result = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(out), "--silent"],
                            capture_output=True, text=True, preexec_fn=preexec_die_with_parent())
    if result.returncode == 0:
        return None
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
