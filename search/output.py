"""Presenting results: JSON, CSV, the terminal table, and snippets as text, HTML or terminal bold.

Results are plain data (search/archive.py); everything about how they look lives here, so the
command line and the site show the same thing the same way.
"""

from __future__ import annotations

import csv
import html
import json
import shutil
import tempfile
import textwrap
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from dateline.indexer.fields import local_day

if TYPE_CHECKING:
    from dateline.corpus.article import Article
    from dateline.search.archive import Archive, ArchiveStats, ReprintGroup, SearchResults
    from dateline.search.concordance import Concordance
    from dateline.search.trend import Trend

MARK_START, MARK_END = "\ue000", "\ue001"  # around highlighted words in snippets, until rendered

CSV_COLUMNS = ["rank", "score", "id", "published", "agency", "license", "dateline", "language", "title",
               "url", "source", "snippet", "reprint_group", "reprint_count"]


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
        "facets": {facet.name: [{"value": v.value, "count": v.count, "selected": v.selected}
                                for v in facet.values]
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


def wrapped(text: str, width: int | None, indent: str) -> list[str]:
    """Text in lines of at most `width` columns, broken between words only (None: one line)."""
    if width is None:
        return [indent + text]
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False) or [indent]


def items_wrapped(label: str, items: list[str], width: int | None) -> list[str]:
    """`Label: a 1  b 2 ...`, broken between items (never between a value and its count), the
    next lines aligned under the first item."""
    rows: list[list[str]] = [[]]
    used = len(label) + 2
    for item in items or ["-"]:
        if width is not None and rows[-1] and used + 2 + len(item) > width:
            rows.append([])
            used = len(label) + 2
        used += len(item) + 2 * bool(rows[-1])
        rows[-1].append(item)
    heads = [f"{label}: "] + [" " * (len(label) + 2)] * (len(rows) - 1)
    return [head + "  ".join(row) for head, row in zip(heads, rows, strict=True)]


def table_lines(results: SearchResults, styled: bool, width: int | None = None) -> Iterator[str]:
    """The terminal table of `dateline search`: a summary line, each hit (title, where and when,
    snippet), the facets; wrapped at word boundaries to `width` columns when given."""
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
        title = wrapped(f"{hit.rank:>3}. {article.title}", width, "")
        yield "\n" + "\n     ".join([title[0], *(line.strip() for line in title[1:])])
        yield f"     {date}  {article.agency or '-'}  {article.dateline or '-'}  {hit.id}{copies}"
        for line in wrapped(hit.snippet, width, "     "):  # markers are one character each: close enough
            yield bold(line) if styled else plain(line)
    for facet in results.facets:
        items = [("*" if v.selected else "") + f"{v.value} {v.count}" for v in facet.values]
        yield ""
        yield from items_wrapped(facet.label, items, width)


def trend_rows(trend: Trend) -> list[dict[str, Any]]:
    """One row per period: the archive's volume, then each query's count and share (percent)."""
    rows = []
    for number, period in enumerate(trend.periods):
        row: dict[str, Any] = {"period": period, "articles": trend.volume[number]}
        for series in trend.series:
            row[series.query] = series.counts[number]
            share = series.shares[number]
            row[f"{series.query} %"] = round(100 * share, 2) if share is not None else None
        rows.append(row)
    return rows


def trend_to_dict(trend: Trend) -> dict[str, Any]:
    return {"by": trend.by, "periods": trend.periods, "articles": trend.volume,
            "series": [{"query": s.query, "counts": s.counts, "shares": s.shares, "total": s.total,
                        "undated": s.undated} for s in trend.series]}


def write_trend_csv(trend: Trend, out: IO[str]) -> None:
    columns = ["period", "articles"] + [name for s in trend.series for name in (s.query, f"{s.query} %")]
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(trend_rows(trend))


def trend_lines(trend: Trend) -> Iterator[str]:
    """The terminal table of `dateline trend`: a column per query (count and share), empty periods kept."""
    heads = [s.query for s in trend.series]
    width = max([12, *(len(h) for h in heads)])
    yield f"{trend.by:<10} {'articles':>9}  " + "  ".join(f"{cut(h, width):>{width}}" for h in heads)
    for row in trend_rows(trend):
        shares = [row[h + " %"] for h in heads]
        cells = [f"{row[h]:>{width - 8}} " + (f"{share:>6.2f}%" if share is not None else "      -")
                 for h, share in zip(heads, shares, strict=True)]
        yield f"{row['period']:<10} {row['articles']:>9}  " + "  ".join(cells)
    for series in trend.series:
        undated = f", {series.undated} undated (not counted above)" if series.undated else ""
        yield f"{series.query}: {series.total} dated matches{undated}"


def kwic_lines(lines: list[Concordance], chars: int = 50) -> Iterator[str]:
    """Keyword in context, the keywords in one column: the left context right-aligned."""
    for line in lines:
        left = line.left[-chars:] if len(line.left) <= chars else "…" + line.left[-(chars - 1):]
        right = line.right[:chars] if len(line.right) <= chars else line.right[:chars - 1] + "…"
        yield f"{line.id}  {left:>{chars}}  {line.keyword}  {right}"


def write_kwic_csv(lines: list[Concordance], out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "published", "title", "left", "keyword", "right"])
    for line in lines:
        writer.writerow([line.id, line.published, line.title, line.left, line.keyword, line.right])


EXPORT_COLUMNS = ["id", "title", "published", "agency", "license", "license_text", "dateline", "byline",
                  "editors", "language", "url", "topics", "places", "people", "lead", "body", "source",
                  "record", "offset", "checksum", "ingested", "fetched", "reprint_group", "extra"]


def _flat(article: Article, group: str) -> dict[str, Any]:
    """An article's fields and provenance side by side, with its reprint group: one export row."""
    data = article.to_dict()
    return {**data, **data.pop("provenance"), "reprint_group": group}


def export_row(article: Article, group: str) -> dict[str, Any]:
    """An article as one flat CSV row: lists joined with '; ', the record's unmapped fields as JSON."""
    row = _flat(article, group)
    for key in ("topics", "places", "people"):
        row[key] = "; ".join(row[key])
    row["extra"] = json.dumps(row["extra"], ensure_ascii=False) if row["extra"] else ""
    return row


def write_export(articles: Iterable[tuple[Article, str]], out: IO[str], fmt: str) -> int:
    """Articles as JSON Lines (the article's own JSON, with its reprint group) or CSV; how many."""
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, extrasaction="ignore", lineterminator="\n")
    if fmt == "csv":
        writer.writeheader()
    written = 0
    for article, group in articles:
        if fmt == "csv":
            writer.writerow(export_row(article, group))
        else:
            out.write(json.dumps({**article.to_dict(), "reprint_group": group}, ensure_ascii=False) + "\n")
        written += 1
    return written


PARQUET_BATCH = 1_000  # rows held at once: an export of any size stays in bounded memory


def _parquet_schema() -> Any:
    import pyarrow as pa

    text, instant = pa.string(), pa.timestamp("us", tz="UTC")
    types = {"published": instant, "ingested": instant, "fetched": instant, "offset": pa.int64(),
             "topics": pa.list_(text), "places": pa.list_(text), "people": pa.list_(text)}
    return pa.schema([(name, types.get(name, text)) for name in EXPORT_COLUMNS])


def _parquet_row(article: Article, group: str) -> dict[str, Any]:
    """One typed row: timestamps in UTC (a zone-less date as UTC), the record's unmapped fields as JSON."""
    from dateline.corpus.article import aware

    published = aware(article.published) if article.published else None
    row = {**_flat(article, group), "published": published,
           "ingested": article.provenance.ingested, "fetched": article.provenance.fetched}
    row["extra"] = json.dumps(row["extra"], ensure_ascii=False) if row["extra"] else None
    return row


def _parquet_batches(articles: Iterable[tuple[Article, str]], schema: Any, by_year: bool) -> Iterator[Any]:
    import pyarrow as pa

    batch: list[dict[str, Any]] = []
    for article, group in articles:
        row = _parquet_row(article, group)
        if by_year:  # the year facet's year: the source's own calendar year
            row["year"] = local_day(article.published) // 10_000 or None
        batch.append(row)
        if len(batch) == PARQUET_BATCH:
            yield pa.RecordBatch.from_pylist(batch, schema=schema)
            batch = []
    if batch:
        yield pa.RecordBatch.from_pylist(batch, schema=schema)


def write_parquet(articles: Iterable[tuple[Article, str]], path: str) -> int:
    """Articles as a Parquet file, typed (_parquet_row), written a batch at a time; how many."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema, written = _parquet_schema(), 0
    with pq.ParquetWriter(path, schema) as writer:
        for batch in _parquet_batches(articles, schema, by_year=False):
            writer.write_batch(batch)
            written += batch.num_rows
        if not written:
            writer.write_table(pa.Table.from_pylist([], schema=schema))
    return written


@contextmanager
def replacing(folder: str | Path) -> Iterator[Path]:
    """A new empty folder beside `folder` that replaces it, whole, when the block ends without error:
    a reader never sees half an export, and years no longer in the archive do not linger."""
    folder = Path(folder).resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        yield fresh
        if folder.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}-old-", dir=folder.parent))
            folder.rename(old / folder.name)
            fresh.rename(folder)
            shutil.rmtree(old)
        else:
            fresh.rename(folder)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


def write_parquet_by_year(articles: Iterable[tuple[Article, str]], folder: str | Path,
                          basename: str = "part-{i}.parquet") -> int:
    """Articles as a Parquet dataset partitioned by year (folders year=1987/, undated ones in
    year=__HIVE_DEFAULT_PARTITION__/, as Spark and Hive name them), a batch at a time; how many.
    Several writers can fill one folder in parallel, each with its own `basename`."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    schema = _parquet_schema().append(pa.field("year", pa.int32()))
    written = 0

    def counted() -> Iterator[Any]:
        nonlocal written
        for batch in _parquet_batches(articles, schema, by_year=True):
            written += batch.num_rows
            yield batch

    ds.write_dataset(counted(), folder, schema=schema, format="parquet", basename_template=basename,
                     partitioning=ds.partitioning(pa.schema([("year", pa.int32())]), flavor="hive"),
                     existing_data_behavior="overwrite_or_ignore")
    return written


def export_record(archive: Archive, query: str, filters: dict[str, Any], date_from: str | None,
                  date_to: str | None, articles: int) -> dict[str, Any]:
    """What an export holds, so it can be cited and made again."""
    return {"query": query, "filters": {name: list(values) for name, values in filters.items() if values},
            "from": date_from, "to": date_to, "articles": articles,
            "exported": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "index": str(archive.path.resolve()), "generation": archive.generation}


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else "undated"


def reprint_lines(total: int, groups: list[ReprintGroup]) -> Iterator[str]:
    yield f"{total} reprint groups" + (f", the largest {len(groups)}:" if len(groups) < total else ":")
    for group in groups:
        first, last = _day(group.first), _day(group.last)
        span = first if first == last else f"{first} to {last}"
        yield f"\n{group.copies:>4} copies  {span}  reprint:{group.group}"
        yield f"      {cut(group.earliest.title, 90)}"
        yield f"      {cut(', '.join(group.agencies), 45)}; datelines {cut(', '.join(group.datelines), 40)}"


def reprints_to_dict(total: int, groups: list[ReprintGroup]) -> dict[str, Any]:
    return {"groups": total, "shown": [{
        "group": g.group, "copies": g.copies,
        "first": g.first.isoformat() if g.first else None, "last": g.last.isoformat() if g.last else None,
        "agencies": g.agencies, "datelines": g.datelines,
        "earliest": {"id": g.earliest.id, "title": g.earliest.title}} for g in groups]}


def stats_to_dict(stats: ArchiveStats) -> dict[str, Any]:
    """`dateline stats --format json`: each facet's top values, and how many articles it does not know."""
    return {"articles": stats.articles, "size_bytes": stats.size_bytes,
            "first": stats.first.isoformat() if stats.first else None,
            "last": stats.last.isoformat() if stats.last else None,
            "facets": {facet.name: {"values": [{"value": v.value, "count": v.count} for v in facet.values
                                               if v.count and not v.unknown],
                                    "unknown": next((v.count for v in facet.values if v.unknown), 0)}
                       for facet in stats.facets}}
