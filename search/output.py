"""Presenting results: JSON, CSV, the terminal table, and snippets as text, HTML or terminal bold.

Results are plain data (search/archive.py); everything about how they look lives here, so the
command line and the site show the same thing the same way.
"""

from __future__ import annotations

import csv
import html
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dateline.search.archive import SearchResults

MARK_START, MARK_END = "\ue000", "\ue001"  # around highlighted words in snippets, until rendered

CSV_COLUMNS = ["rank", "score", "id", "published", "agency", "license", "dateline", "language", "title", "url",
               "source", "snippet", "reprint_group", "reprint_count"]


def plain(marked: str) -> str:
    """A snippet as text."""
    return marked.replace(MARK_START, "").replace(MARK_END, "")


def marked_html(marked: str) -> str:
    """A snippet as HTML: the text escaped, then the highlights turned into <mark>."""
    return html.escape(marked).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def results_to_dict(results: SearchResults) -> dict[str, Any]:
    """The stable JSON shape of `dateline search --format json` (documented in the README)."""
    return {
        "query": results.query,
        "filters": results.filters,
        "total": results.total,
        "page": results.page,
        "pages": results.pages,
        "limit": results.limit,
        "sort": results.sort,
        "collapsed": results.collapsed,
        "suggestion": results.suggestion,
        "hits": [{
            "rank": hit.rank,
            "score": hit.score,
            "id": hit.id,
            "title": hit.article.title,
            "published": hit.article.published.isoformat() if hit.article.published else None,
            "agency": hit.article.agency,
            "license": hit.article.license,
            "dateline": hit.article.dateline,
            "language": hit.article.language,
            "url": hit.article.url,
            "source": hit.article.provenance.source,
            "snippet": plain(hit.snippet),
            "snippet_html": marked_html(hit.snippet),
            "reprint_group": hit.reprint_group,
            "reprint_count": hit.reprint_count,
        } for hit in results.hits],
        "facets": {facet.name: [{"value": v.value, "count": v.count, "selected": v.selected} for v in facet.values]
                   for facet in results.facets},
    }


def bold(marked: str) -> str:
    """A snippet for a terminal: the highlights in bold yellow."""
    return marked.replace(MARK_START, "\x1b[1;33m").replace(MARK_END, "\x1b[0m")


def write_csv(results: SearchResults, out: IO[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(results_to_dict(results)["hits"])


def cut(text: str | None, width: int) -> str:
    """Text in at most `width` characters, '-' for none."""
    text = text or "-"
    return text if len(text) <= width else text[: width - 1] + "…"


def table_lines(results: SearchResults, styled: bool) -> Iterator[str]:
    """The terminal table of `dateline search`: a summary line, each hit in three lines, the facets."""
    shown = f"{results.hits[0].rank}-{results.hits[-1].rank} of " if results.hits else ""
    noun = "stories" if results.collapsed else "articles"
    yield (f"{shown}{results.total} {noun} for {results.query or 'everything'!r} "
           f"(page {results.page} of {results.pages}, sorted by {results.sort})")
    if results.suggestion:
        yield f"Did you mean: {results.suggestion}?"
    for hit in results.hits:
        article = hit.article
        date = article.published.date().isoformat() if article.published else "unknown"
        copies = f"  [{hit.reprint_count} copies]" if hit.reprint_count > 1 else ""
        yield f"\n{hit.rank:>3}. {cut(article.title, 90)}"
        yield f"     {date}  {article.agency or '-'}  {article.dateline or '-'}  {hit.id}{copies}"
        yield f"     {bold(hit.snippet) if styled else plain(hit.snippet)}"
    for facet in results.facets:
        values = "  ".join(("*" if v.selected else "") + f"{v.value} {v.count}" for v in facet.values)
        yield f"\n{facet.label}: {values or '-'}"
