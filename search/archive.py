"""The library API the CLI and the site generator share: open an index, search it, count facets.

    from dateline.search import Archive
    archive = Archive("dateline-index")
    results = archive.search("cocoa", filters={"place": ["brazil"]}, facets=["year", "place"])
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import highlight, scoring, sorting
from whoosh import query as wq

from dateline.errors import QueryError
from dateline.indexer import whoosh_patches  # noqa: F401  (applied on import)
from dateline.indexer.schema import UNKNOWN
from dateline.indexer.store import DEFAULT_INDEX, open_index
from dateline.search.facets import FACETS, FacetCounts, FieldMap
from dateline.search.masks import MaskBuilder
from dateline.search.query import make_parser, parse_day, parse_query

SORTS = ("relevance", "newest", "oldest")
# Tuned on Cranfield with bench/relevance.py (a grid of K1 0.8-2.0, B 0.5-0.9, title boost 1-3).
BM25_B, BM25_K1 = 0.75, 1.6
MARK_START, MARK_END = "\ue000", "\ue001"  # highlight markers; renderers turn them into <mark> or bold


@dataclass(frozen=True)
class Hit:
    """One result: the article's stored data, its rank and a snippet with highlight markers."""

    rank: int
    score: float | None
    article: dict[str, Any]
    snippet: str
    reprint_group: str
    reprint_count: int

    @property
    def id(self) -> str:
        return self.article["id"]


@dataclass(frozen=True)
class SearchResults:
    query: str
    filters: dict[str, list[str]]
    total: int
    page: int
    pages: int
    limit: int
    sort: str
    hits: list[Hit]
    facets: list[FacetCounts]
    suggestion: str | None = None
    collapsed: bool = False


@dataclass(frozen=True)
class ArchiveStats:
    articles: int
    size_bytes: int
    facets: list[FacetCounts] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None


class _MarkerFormatter(highlight.Formatter):
    between = " … "

    def format_token(self, text, token, replace=False):
        return MARK_START + highlight.get_text(text, token, replace) + MARK_END


class Archive:
    """A read-only view of one index; facet maps are built once per index generation and cached."""

    def __init__(self, path: str | Path = DEFAULT_INDEX, weighting: scoring.WeightingModel | None = None):
        self.path = Path(path)
        self.index = open_index(self.path)
        self._searcher = self.index.searcher(weighting=weighting or ranking())
        self._parser = make_parser(self.index.schema)
        self._maps: dict[str, FieldMap] = {}
        self._group_sizes: np.ndarray | None = None
        self._live_mask: np.ndarray | None = None

    def close(self) -> None:
        self._searcher.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def searcher(self):
        if not self._searcher.up_to_date():
            self._searcher = self._searcher.refresh()
            self._maps.clear()
            self._group_sizes = None
            self._live_mask = None
        return self._searcher

    # -- facet maps -------------------------------------------------------------------------

    def _cache_file(self, field: str) -> Path:
        return self.path / f"facets-{self.index.latest_generation()}-{field}.npz"

    def fieldmap(self, field: str) -> FieldMap:
        """The (document, value) map of a field, from memory, the on-disk cache, or built and cached."""
        reader = self.searcher.reader()
        if field in self._maps:
            return self._maps[field]
        cache = self._cache_file(field)
        fieldmap = None
        if cache.exists():
            try:
                with np.load(cache, allow_pickle=False) as data:
                    fieldmap = FieldMap(list(data["values"]), data["docs"], data["ordinals"], reader.doc_count_all())
            except (OSError, ValueError, KeyError):
                fieldmap = None
        if fieldmap is None:
            fieldmap = FieldMap.build(reader, field)
            self._store_cache(cache, fieldmap)
        self._maps[field] = fieldmap
        return fieldmap

    def _store_cache(self, cache: Path, fieldmap: FieldMap) -> None:
        """Write the cache atomically, and drop caches of older generations. A read-only index is fine."""
        try:
            tmp = cache.with_suffix(".tmp.npz")
            np.savez(tmp, values=np.array(fieldmap.values, dtype=str), docs=fieldmap.docs, ordinals=fieldmap.ordinals)
            tmp.replace(cache)
            field = cache.stem.split("-", 2)[2]
            for old in self.path.glob(f"facets-*-{field}.npz"):
                if old != cache:
                    old.unlink(missing_ok=True)
        except OSError:
            pass

    def _live(self) -> np.ndarray:
        """Documents not deleted, cached per index generation."""
        if self._live_mask is None:
            reader = self.searcher.reader()
            mask = np.ones(reader.doc_count_all(), dtype=bool)
            for leaf, offset in reader.leaf_readers():
                if leaf.has_deletions():
                    mask[offset:offset + leaf.doc_count_all()] = False
                    mask[np.fromiter(leaf.all_doc_ids(), dtype=np.int64) + offset] = True
            self._live_mask = mask
        return self._live_mask

    def _mask_for(self, q: wq.Query) -> np.ndarray:
        return MaskBuilder(self.searcher, self._live()).mask(q)

    # -- queries ----------------------------------------------------------------------------

    def resolve_filters(self, filters: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
        """Filter values as indexed ('reuters' -> 'Reuters'); an unknown facet name is an error."""
        resolved: dict[str, list[str]] = {}
        for name, values in filters.items():
            values = [v for v in values if v]
            if not values:
                continue
            if name not in FACETS:
                raise QueryError(f"unknown filter {name!r} (filters: {', '.join(FACETS)})")
            fieldmap = self.fieldmap(FACETS[name].field)
            resolved[name] = [spelling for v in values for spelling in fieldmap.resolve(v) or [v]]
        return resolved

    def _resolve_terms(self, q: wq.Query) -> wq.Query:
        """Facet-field terms typed in any case match the indexed spelling (agency:reuters)."""
        facet_fields = {facet.field for facet in FACETS.values()}

        def fix(node: wq.Query) -> wq.Query:
            if isinstance(node, wq.Term) and node.fieldname in facet_fields and isinstance(node.text, str):
                spellings = self.fieldmap(node.fieldname).resolve(node.text)
                if spellings and spellings != [node.text]:
                    return wq.Or([wq.Term(node.fieldname, s, boost=node.boost) for s in spellings])
            return node.apply(fix)

        return fix(q)

    def search(
        self,
        query: str = "",
        *,
        filters: Mapping[str, Iterable[str]] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        facets: Iterable[str] = (),
        sort: str = "relevance",
        page: int = 1,
        limit: int = 10,
        collapse_reprints: bool = False,
        facet_limit: int | None = 10,
    ) -> SearchResults:
        """Ranked hits, facet counts over every match (multi-select), and a spelling suggestion."""
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r} (sorts: {', '.join(SORTS)})")
        if page < 1 or limit < 1:
            raise QueryError("page and limit must be 1 or more")
        facets = list(facets)
        for name in facets:
            if name not in FACETS:
                raise QueryError(f"unknown facet {name!r} (facets: {', '.join(FACETS)})")
        filters = self.resolve_filters(filters or {})
        text_query = self._resolve_terms(parse_query(query, self._parser))
        base = text_query
        if date_from or date_to:
            start = parse_day(date_from) if date_from else None
            end = parse_day(date_to, end=True) if date_to else None
            naive = [d.astimezone(timezone.utc).replace(tzinfo=None) if d else None for d in (start, end)]
            base = wq.And([text_query, wq.DateRange("date", naive[0], naive[1])])

        base_mask = self._mask_for(base)
        filter_masks = {name: self.fieldmap(FACETS[name].field).mask(values) for name, values in filters.items()}
        final_mask = base_mask.copy()
        for mask in filter_masks.values():
            final_mask &= mask

        facet_counts = []
        for name in facets:
            mask = base_mask.copy()
            for other, other_mask in filter_masks.items():
                if other != name:  # multi-select: a facet's own filter does not hide its other values
                    mask &= other_mask
            facet = FACETS[name]
            facet_counts.append(facet.count(self.fieldmap(facet.field), mask, tuple(filters.get(name, ())), facet_limit))

        reprints = self.fieldmap("reprint")
        if collapse_reprints:
            total = int(np.count_nonzero(np.bincount(reprints.ordinals[final_mask[reprints.docs]],
                                                     minlength=len(reprints.values))))
        else:
            total = int(np.count_nonzero(final_mask))

        ranked = wq.And([base, *(wq.Or([wq.Term(FACETS[n].field, v) for v in vs]) for n, vs in filters.items())])
        if sort == "relevance" and isinstance(text_query, wq.Every):
            sort = "newest"
        options: dict[str, Any] = {"limit": page * limit, "terms": True}
        if sort != "relevance":
            options.update(sortedby=_by_date(newest=sort == "newest"))
        if collapse_reprints:
            options.update(collapse="reprint", collapse_limit=1)
        results = self.searcher.search(ranked.normalize(), **options)
        results.fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
        results.formatter = _MarkerFormatter()
        hits = []
        for rank, hit in enumerate(results[(page - 1) * limit: page * limit], start=(page - 1) * limit + 1):
            article = json.loads(hit["article"])
            snippet = hit.highlights("body", text=article["body"], top=2) if results.has_matched_terms() else ""
            snippet = " ".join(snippet.split())
            group = hit.get("reprint") or article["id"]
            hits.append(Hit(
                rank=rank, score=hit.score if sort == "relevance" else None, article=article,
                snippet=snippet or _lead(article["body"]), reprint_group=group,
                reprint_count=max(1, self.reprint_size(group)),
            ))
        return SearchResults(
            query=query, filters=filters, total=total, page=page, pages=max(1, math.ceil(total / limit)),
            limit=limit, sort=sort, hits=hits, facets=facet_counts, collapsed=collapse_reprints,
            suggestion=self.suggest(query, text_query) if total == 0 or self._has_unknown_word(text_query) else None,
        )

    def _has_unknown_word(self, q: wq.Query) -> bool:
        reader = self.searcher.reader()
        for fieldname, text in q.iter_all_terms():
            if fieldname == "body" and reader.doc_frequency(fieldname, text) == 0:
                return True
        return False

    def suggest(self, query: str, q: wq.Query) -> str | None:
        """'Did you mean': the query with unknown words replaced by the closest indexed words."""
        if isinstance(q, wq.Every):
            return None
        correction = self.searcher.correct_query(q, query, prefix=1)
        return correction.string if correction.query != q and correction.string != query else None

    # -- articles ---------------------------------------------------------------------------

    def article(self, article_id: str) -> dict[str, Any] | None:
        stored = self.searcher.document(id=article_id)
        return json.loads(stored["article"]) if stored else None

    def reprints(self, group: str) -> list[dict[str, Any]]:
        """Every copy in a reprint group, earliest first (undated copies last)."""
        copies = [json.loads(f["article"]) for f in self.searcher.documents(reprint=group)]
        return sorted(copies, key=lambda a: (a["published"] is None, a["published"] or "", a["id"]))

    def browse(self, facet: str, value: str, page_size: int) -> Iterator[list[Hit]]:
        """Pages of every article with one facet value, newest first: one sorted search, then page by page,
        so building a thousand pages costs one query, not a thousand growing ones."""
        ranked = wq.Term(FACETS[facet].field, value)
        results = self.searcher.search(ranked, limit=None, sortedby=_by_date(newest=True))
        docnums = list(results.docs())
        reader = self.searcher.reader()
        for start in range(0, len(docnums), page_size):
            hits = []
            for rank, docnum in enumerate(docnums[start:start + page_size], start=start + 1):
                stored = reader.stored_fields(docnum)
                article = json.loads(stored["article"])
                group = stored.get("reprint") or article["id"]
                hits.append(Hit(rank=rank, score=None, article=article, snippet=_lead(article["body"]),
                                reprint_group=group, reprint_count=max(1, self.reprint_size(group))))
            yield hits

    def reprint_size(self, group: str) -> int:
        """How many copies a reprint group holds."""
        reprints = self.fieldmap("reprint")
        if self._group_sizes is None:
            self._group_sizes = np.bincount(reprints.ordinals, minlength=len(reprints.values))
        ordinal = reprints.ordinal(group)
        return int(self._group_sizes[ordinal]) if ordinal is not None else 0

    def iter_articles(self) -> Iterator[dict[str, Any]]:
        """Every article with its reprint group, one at a time, so memory does not grow with the archive."""
        reader = self.searcher.reader()
        for docnum in reader.all_doc_ids():
            stored = reader.stored_fields(docnum)
            yield {**json.loads(stored["article"]), "reprint_group": stored.get("reprint")}

    def stats(self, facets: Iterable[str] = tuple(FACETS), top: int = 5) -> ArchiveStats:
        """What the archive holds: its size, the top values of each facet, and its date span."""
        results = self.search(facets=facets, facet_limit=top, limit=1)
        oldest = self.search(sort="oldest", limit=1).hits
        size = sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())
        return ArchiveStats(
            articles=results.total, size_bytes=size, facets=results.facets,
            first=_published(oldest[0].article) if oldest else None,
            last=_published(results.hits[0].article) if results.hits else None,
        )


def ranking() -> scoring.WeightingModel:
    """BM25F with the parameters tuned on Cranfield (bench/relevance.py); see the README's table."""
    return scoring.BM25F(B=BM25_B, K1=BM25_K1)


def _by_date(newest: bool) -> sorting.MultiFacet:
    """Dated articles in date order, then the undated ones: an unknown date is neither new nor old."""
    undated_last = sorting.QueryFacet({"undated": wq.Term("year", UNKNOWN)}, other="dated")
    return sorting.MultiFacet([undated_last, sorting.FieldFacet("date", reverse=newest)])


def _published(article: dict[str, Any]) -> datetime | None:
    return datetime.fromisoformat(article["published"]) if article.get("published") else None


def _lead(body: str, chars: int = 200) -> str:
    first = " ".join(body.split("\n\n", 1)[0].split())
    return first if len(first) <= chars else first[:chars].rsplit(" ", 1)[0] + " …"


def plain(marked: str) -> str:
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
            "title": hit.article["title"],
            "published": hit.article["published"],
            "agency": hit.article["agency"],
            "license": hit.article["license"],
            "dateline": hit.article["dateline"],
            "language": hit.article["language"],
            "url": hit.article["url"],
            "source": hit.article["provenance"]["source"],
            "snippet": plain(hit.snippet),
            "snippet_html": marked_html(hit.snippet),
            "reprint_group": hit.reprint_group,
            "reprint_count": hit.reprint_count,
        } for hit in results.hits],
        "facets": {facet.name: [{"value": v.value, "count": v.count, "selected": v.selected} for v in facet.values]
                   for facet in results.facets},
    }
