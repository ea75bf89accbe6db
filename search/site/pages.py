"""The page kinds of the static site. Each yields Pages with plain data; templates only render.

A new kind of page is one class here (or in its own module) plus one line in PAGE_KINDS.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Protocol

from markupsafe import Markup

from dateline.corpus.article import Article
from dateline.corpus.licenses import NAMES as LICENSE_NAMES
from dateline.corpus.licenses import license_url
from dateline.corpus.script import ARABIC_SCRIPT, FOLDS, MARKS, fold_arabic_script
from dateline.indexer.fields import FACET_FIELDS, UNKNOWN
from dateline.search.archive import Archive, Hit, SearchResults
from dateline.search.facets import FacetCounts, periods_between
from dateline.search.output import write_export
from dateline.search.site.render import (
    PAGE_SIZE,
    Page,
    article_path,
    browse_path,
    day_path,
    direction,
    facet_index_path,
    hit_view,
    link_url,
    page_language,
    query_download_path,
    query_path,
)

BROWSE_FACETS = tuple(f.name for f in FACET_FIELDS if f.browse)
HOME_FACETS = tuple(f.name for f in FACET_FIELDS if f.home)
ARTICLE_FACETS = tuple(f for f in FACET_FIELDS if f.pagefind)  # shown, linked and filterable on article pages
RESULT_META = ("agency", "dateline")  # with the date, what a search result shows of its article


def every_value(archive: Archive, facet: str) -> FacetCounts:
    """A facet's counts over the whole archive, every value (the months: every month, empty or not)."""
    return archive.search(facets=[facet], limit=1, facet_limit=None).facets[0]


def pages_for(total: int) -> int:
    """How many pages of PAGE_SIZE a listing of `total` takes (an empty one still has its page)."""
    return max(1, -(-total // PAGE_SIZE))


@dataclass(frozen=True)
class SiteContext:
    archive: Archive
    queries: dict[str, str]


class PageKind(Protocol):
    def count(self, context: SiteContext) -> int:
        """How many pages `pages` yields (for a progress bar's total)."""

    def pages(self, context: SiteContext) -> Iterator[Page]: ...


Link = Callable[[str, str], str | None]  # (facet, value) -> the path of its page, or None: no page


def browse_link(facet: str, value: str) -> str | None:
    return browse_path(facet, value)


def facet_view(page: Page, counts: FacetCounts, limit: int | None = None, link: Link = browse_link,
               more: bool = True) -> dict:
    values = counts.values if limit is None else counts.values[:limit]
    entries = []
    for v in values:
        target = link(counts.name, v.value) if v.count else None  # no page for an empty period
        entries.append({"label": v.value, "count": v.count, "selected": v.selected,
                        "href": page.href(target) if target else None})
    return {
        "name": counts.name,
        "label": counts.label,
        "entries": entries,
        "more": page.href(facet_index_path(counts.name))
        if more and limit is not None and len(counts.values) > limit else None,
    }


def timeline_svg(page: Page, months: FacetCounts, link: Link = browse_link,
                 baseline: FacetCounts | None = None) -> Markup:
    """Articles per month as an inline SVG bar chart, drawn at build time; empty months keep their
    place, each bar links to its month's page, and against a `baseline` (the archive's months) the
    axis is the archive's and each bar says its share."""
    counts = {v.value: v.count for v in months.values if not v.unknown}
    totals = {v.value: v.count for v in baseline.values if not v.unknown} if baseline else {}
    if not counts:
        return Markup("<p>No dated articles.</p>")
    axis = periods_between(min(totals or counts), max(totals or counts))
    width, height = 800, 160
    bar = (width - 40) / len(axis)
    top = max(counts.values())
    # a group, not an image: its bars are links, which an image may not hold
    parts = [f'<svg class="timeline" viewBox="0 0 {width} {height + 30}" role="group" '
             f'aria-label="Articles per month, {html.escape(axis[0])} to {html.escape(axis[-1])}">']
    for n, month in enumerate(axis):
        count = counts.get(month, 0)
        h = max((height - 10) * count / top, 3.0) if count else 0.0  # a small month stays visible
        x = 30 + n * bar
        label = f"{month}: {count}" + (f" of {totals[month]} ({count / totals[month]:.1%})"
                                       if totals.get(month) else "")
        rect = (f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{max(bar - 1, 1):.1f}" height="{h:.1f}">'
                f'<title>{html.escape(label)}</title></rect>')
        target = link("month", month) if count else None
        if target:
            rect = f'<a href="{html.escape(page.href(target))}" aria-label="{html.escape(label)}">{rect}</a>'
        parts.append(rect)
        if n == 0 or month.endswith("-01") or len(axis) <= 24:
            shown = month[2:] if len(axis) <= 24 else month
            parts.append(f'<text x="{x:.1f}" y="{height + 18}">{shown}</text>')
    parts.append(f'<text x="0" y="12">{top}</text></svg>')
    return Markup("".join(parts))


def page_numbers(number: int, pages: int, around: int = 2) -> list[int | None]:
    """The page numbers a pager lists: the first, the last and those around the current one, with
    None where numbers are left out (1 … 4 5 6 7 8 … 400)."""
    shown = sorted({1, pages, *range(max(1, number - around), min(pages, number + around) + 1)})
    listed: list[int | None] = []
    for n in shown:
        if listed and n - (listed[-1] or 0) > 1:
            listed.append(None)
        listed.append(n)
    return listed


def pager_view(page: Page, number: int, pages: int, path_of: Callable[[int], str],
               labels: tuple[str, str]) -> dict:
    """Previous and next links (named by `labels`) and numbered links to the pages around this one."""
    return {"page": number, "pages": pages, "newer": labels[0], "older": labels[1],
            "previous": page.href(path_of(number - 1)) if number > 1 else None,
            "next": page.href(path_of(number + 1)) if number < pages else None,
            "numbers": [{"label": n, "href": page.href(path_of(n)) if n and n != number else None,
                         "current": n == number} for n in page_numbers(number, pages)]}


def listing_view(page: Page, title: str, up: tuple[str, str], value: str, total: int, hits: list[Hit],
                 number: int, path_of: Callable[[int], str]) -> dict:
    """What browse.html shows: one page of the articles of a value (a facet value, a day), newest
    first, under a link up to where the value is listed (`up`: label and path)."""
    return {"title": title, "facet_label": up[0], "facet_href": page.href(up[1]), "value_label": value,
            "total": total, "hits": [hit_view(page, hit) for hit in hits],
            "first_rank": (number - 1) * PAGE_SIZE + 1,
            "pager": pager_view(page, number, pages_for(total), path_of, ("← Newer", "Older →"))}


class HomePage:
    def count(self, context: SiteContext) -> int:
        return 1

    def pages(self, context: SiteContext) -> Iterator[Page]:
        archive = context.archive
        stats = archive.stats(facets=HOME_FACETS + ("month",), top=10)
        page = Page("index.html", "home.html")
        month_counts = every_value(archive, "month")
        undated = next((v.count for v in month_counts.values if v.unknown), 0)
        queries = []
        for name, query in context.queries.items():
            total = archive.search(query, limit=1).total
            queries.append({"name": name, "query": query, "total": total,
                            "href": page.href(query_path(name))})
        page.data = {
            "title": "Home",
            "summary": {"articles": stats.articles, "undated": undated,
                        "first": stats.first.date().isoformat() if stats.first else None,
                        "last": stats.last.date().isoformat() if stats.last else None},
            "timeline": timeline_svg(page, month_counts),
            "facets": [facet_view(page, f, limit=10) for f in stats.facets
                       if f.name in HOME_FACETS and f.values],
            "queries": queries,
        }
        yield page


class BrowsePages:
    """An index page per facet, and per value a paginated list, newest first."""

    @staticmethod
    def _facets(archive: Archive) -> Iterator[FacetCounts]:
        for name in BROWSE_FACETS:
            counts = every_value(archive, name)
            if counts.values:
                yield counts

    def count(self, context: SiteContext) -> int:
        facets = self._facets(context.archive)
        return sum(1 + sum(pages_for(v.count) for v in counts.values) for counts in facets)

    def pages(self, context: SiteContext) -> Iterator[Page]:
        archive = context.archive
        for counts in self._facets(archive):
            name = counts.name
            index = Page(facet_index_path(name), "facet_index.html")
            index.data = {"title": counts.label, "facet": facet_view(index, counts)}
            yield index
            for value in counts.values:
                def path_of(n: int, name: str = name, value: str = value.value) -> str:
                    return browse_path(name, value, n)

                for number, hits in enumerate(archive.browse(name, value.value, PAGE_SIZE), start=1):
                    page = Page(path_of(number), "browse.html")
                    page.data = listing_view(page, f"{counts.label}: {value.value}",
                                             (counts.label, facet_index_path(name)), value.value, value.count,
                                             hits, number, path_of)
                    if name == "month" and not value.unknown:
                        page.data["by_day"] = page.href(day_path(value.value))
                    yield page


def folded_text(article: Article) -> str | None:
    """The headline and text with Arabic-script spellings folded as the indexer folds them, for
    Pagefind to index beside the text as written (the search page folds the query the same way);
    None when folding changes nothing."""
    written = "\n".join([article.title, *article.paragraphs])
    if not ARABIC_SCRIPT.search(written):
        return None
    folded = fold_arabic_script(written)
    return folded if folded != written else None


class DayPages:
    """Per month, its days with their counts; per day, its articles, newest first, paged."""

    @staticmethod
    def _months(archive: Archive) -> dict[str, dict[str, int]]:
        months: dict[str, dict[str, int]] = {}
        for day, count in sorted(archive.day_counts().items()):
            iso = f"{day // 10_000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"
            months.setdefault(iso[:7], {})[iso] = count
        return months

    def count(self, context: SiteContext) -> int:
        months = self._months(context.archive)
        return len(months) + sum(pages_for(n) for days in months.values() for n in days.values())

    def pages(self, context: SiteContext) -> Iterator[Page]:
        archive = context.archive
        for month, days in self._months(archive).items():
            index = Page(day_path(month), "days.html")
            index.data = {"title": f"Days of {month}", "month": month,
                          "month_href": index.href(browse_path("month", month)),
                          "days": [{"label": day, "count": n, "href": index.href(day_path(day))}
                                   for day, n in days.items()]}
            yield index
            for day, total in days.items():
                def path_of(n: int, day: str = day) -> str:
                    return day_path(day, n)

                # the day's articles found once, then paged
                hits = archive.search(date_from=day, date_to=day, sort="newest", limit=total).hits
                for number in range(1, pages_for(total) + 1):
                    page = Page(path_of(number), "browse.html")
                    shown = hits[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
                    page.data = listing_view(page, day, (f"Days of {month}", day_path(month)), day, total,
                                             shown, number, path_of)
                    yield page


def attribution(article: Article) -> dict:
    """What a republisher owes: for Creative Commons, title, author, source, license and changes made."""
    spdx = article.license
    agency = article.agency or "an unknown agency"
    source = article.url or article.provenance.source
    changes = (f"Changes: Dateline {'; '.join(article.changes)}; the wording is otherwise the source's."
               if article.changes else "Changes: none to the wording; the source's line breaks are shown "
               "as paragraphs.")
    if spdx and spdx in LICENSE_NAMES:
        return {"text": f"“{article.title}” by {agency}, from {source}, is licensed under",
                "license_name": LICENSE_NAMES[spdx], "license_url": license_url(spdx), "changes": changes}
    if article.license_text:
        return {"text": f"“{article.title}” by {agency}, from {source}. {article.license_text}",
                "license_name": None, "license_url": None, "changes": changes}
    return {"text": f"“{article.title}” by {agency}, from {source}. The source states no license: "
                    "check the rights before republishing.", "license_name": None, "license_url": None,
            "changes": changes}


def article_facets(page: Page, article: Article) -> list[dict]:
    """The article's value of each facet, linked to its browse page and named as a Pagefind filter;
    a single-valued facet the source did not give shows as unknown, an empty list not at all."""
    shown = []
    for facet in ARTICLE_FACETS:
        values = facet.values(article) if facet.values else ()
        if not values and facet.kind == "facet":
            values = (UNKNOWN,)
        if values:
            shown.append({"label": facet.plural if len(values) > 1 else facet.label, "filter": facet.name,
                          "result_meta": facet.name in RESULT_META,
                          "values": [{"label": v, "href": page.href(browse_path(facet.name, v))}
                                     for v in values]})
    return shown


class ArticlePages:
    """One page per article at a permalink made from its id."""

    def count(self, context: SiteContext) -> int:
        return context.archive.search(limit=1).total

    def pages(self, context: SiteContext) -> Iterator[Page]:
        archive = context.archive
        for article, group in archive.iter_articles():
            page = Page(article_path(article.id), "article.html")
            data = article.to_dict()
            copies = archive.reprints(group) if archive.reprint_size(group) > 1 else []
            page.data = {
                "title": article.title,
                "lang": page_language(article.language),
                "dir": direction(article.language),
                "a": {**data, "published_label": data["published"].replace("T", " ") if article.published
                      else "unknown (the source gives no date)"},
                "url_href": link_url(article.url),
                "sort_date": article.published.date().isoformat() if article.published else None,
                "folded": folded_text(article),
                "paragraphs": article.paragraphs,
                "facets": article_facets(page, article),
                "attribution": attribution(article),
                "reprints": [{"title": c.title, "agency": c.agency or "agency unknown",
                              "date": c.published.date().isoformat() if c.published else "date unknown",
                              "current": c.id == article.id, "href": page.href(article_path(c.id))}
                             for c in copies],
            }
            yield page


QUERY_FACET_VALUES = 10  # a saved query's facets: the top values, each with a narrowed page


class QueryPages:
    """Per saved query: every result, ranked, PAGE_SIZE a page; the top values of each facet as a
    page of the query narrowed to that value (its best PAGE_SIZE: pages of every narrowing of a
    query matching most of a large archive would outnumber the archive); the query's months beside
    the archive's; and the whole result set as CSV and JSON Lines beside the page."""

    def count(self, context: SiteContext) -> int:
        total = 0
        for query in context.queries.values():
            everything = self._counts(context.archive, query, {})
            total += pages_for(everything.total) + len(self._narrowings(everything)) + 2  # and 2 downloads
        return total

    def pages(self, context: SiteContext) -> Iterator[Page]:
        archive = context.archive
        archive_months = every_value(archive, "month")
        for name, query in context.queries.items():
            everything = self._counts(archive, query, {})
            narrowed = self._narrowings(everything)

            def link(facet: str, value: str, name: str = name, narrowed: set = narrowed) -> str | None:
                return query_path(name, 1, facet, value) if (facet, value) in narrowed else None

            yield from self._result_pages(context, name, query, None, None, link, everything, archive_months)
            for facet, value in sorted(narrowed):
                def sibling(other: str, value: str, facet: str = facet, link: Link = link) -> str | None:
                    return link(other, value) if other == facet else None  # the others' counts are narrowed

                results = self._counts(archive, query, {facet: [value]})
                yield from self._result_pages(context, name, query, facet, value, sibling, results, None)
            for fmt in ("csv", "jsonl"):
                def writes(out: IO[str], query: str = query, fmt: str = fmt) -> int:
                    return write_export(archive.export(query), out, fmt)

                yield Page(query_download_path(name, fmt), None, writes=writes)

    @staticmethod
    def _narrowings(results: SearchResults) -> set[tuple[str, str]]:
        """The (facet, value) pairs a query's page links to a narrowed page of: its top values."""
        return {(f.name, v.value) for f in results.facets for v in f.values if v.count}

    @staticmethod
    def _counts(archive: Archive, query: str, filters: dict[str, list[str]]) -> SearchResults:
        """Total, facet counts and suggestion of a query (its hits come from Archive.ranked)."""
        return archive.search(query, filters=filters, facets=[*BROWSE_FACETS], limit=1,
                              facet_limit=QUERY_FACET_VALUES)

    def _result_pages(self, context: SiteContext, name: str, query: str, facet: str | None,
                      value: str | None, link: Link, results: SearchResults,
                      archive_months: FacetCounts | None) -> Iterator[Page]:
        archive = context.archive
        filters = {facet: [value]} if facet and value else {}
        pages = pages_for(results.total) if facet is None else 1
        months = next(f for f in results.facets if f.name == "month")
        hit_pages = archive.ranked(query, PAGE_SIZE, filters, limit=pages * PAGE_SIZE)
        for number in range(1, pages + 1):
            hits: list[Hit] = next(hit_pages, [])  # a query without a match still has its page
            page = Page(query_path(name, number, facet, value), "query.html")
            page.data = {
                "title": f"{name}: {value}" if value else name, "name": name, "query": query,
                "narrowed": ({"facet": facet, "value": value, "all": page.href(query_path(name))}
                             if facet else None),
                "total": results.total, "suggestion": results.suggestion,
                "shown": len(hits) if facet else None,
                "first_rank": (number - 1) * PAGE_SIZE + 1,
                "facets": [facet_view(page, f, link=link, more=False) for f in results.facets if f.values],
                "hits": [hit_view(page, hit) for hit in hits],
                "chart": timeline_svg(page, months, link, archive_months) if archive_months else None,
                "downloads": [{"format": fmt.upper(), "href": page.href(query_download_path(name, fmt))}
                              for fmt in ("csv", "jsonl")],
                "pager": pager_view(page, number, pages, lambda n: query_path(name, n, facet, value),
                                    ("← Previous", "Next →")),
            }
            yield page


class SearchPage:
    def count(self, context: SiteContext) -> int:
        return 1

    def pages(self, context: SiteContext) -> Iterator[Page]:
        months = every_value(context.archive, "month")
        filters = [[f.name, f.label] for f in ARTICLE_FACETS]
        yield Page("search.html", "search.html", {
            "title": "Search", "months": [v.value for v in months.values if not v.unknown],
            "filters_json": json.dumps(filters, ensure_ascii=False),
            "folding_json": json.dumps({"folds": FOLDS, "marks": MARKS})})


PAGE_KINDS: list[PageKind] = [HomePage(), BrowsePages(), DayPages(), ArticlePages(), QueryPages(),
                              SearchPage()]
