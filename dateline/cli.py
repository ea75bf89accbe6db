"""The `dateline` command: a thin click layer over the library API of each stage."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dateline.corpus.exclude import DEFAULT_EXCLUDE
from dateline.errors import DatelineError, SourceError
from dateline.indexer.fields import DEFAULT_INDEX, FACET_FIELDS
from dateline.search.output import cut

if TYPE_CHECKING:
    from dateline.corpus.records import FieldMapping

index_option = click.option(
    "--index", "index_dir", default=lambda: os.environ.get("DATELINE_INDEX", DEFAULT_INDEX),
    show_default=DEFAULT_INDEX, type=click.Path(file_okay=False),
    help="Index folder (or set DATELINE_INDEX).")


def _message(error: Exception) -> str:
    """One line for what could not be read; a file that is no article is a note, not an error."""
    passed_over = isinstance(error, SourceError) and error.not_article
    return f"{'note' if passed_over else 'error'}: {error}"


def _report(error: Exception) -> None:
    click.echo(_message(error), err=True)


def _on_terminal() -> bool:
    return sys.stdout.isatty()


def _styled() -> bool:
    """Colour on a terminal only, and not when NO_COLOR is set (no-color.org)."""
    return _on_terminal() and not os.environ.get("NO_COLOR")


class _Commands(click.Group):
    """A bad index, query or option value ends any command with one line and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DatelineError as error:
            _report(error)
            ctx.exit(2)
        except click.UsageError as error:  # click would print usage, a hint and the error on three lines
            sub = error.ctx.command if error.ctx and error.ctx.command is not self else None
            command = f"dateline {sub.name}" if sub else "dateline"
            click.echo(f"error: {error.format_message()} (see: {command} --help)", err=True)
            ctx.exit(2)


@click.group(cls=_Commands)
@click.version_option(package_name="dateline")
def cli() -> None:
    """Dateline: find, count, compare and publish what is in a news archive."""


def field_options(command: Any) -> Any:
    """--field and --fields: how a record's own field names map to the article's."""
    command = click.option("--fields", "fields_file", type=click.Path(dir_okay=False), metavar="FILE",
                           help="A file of ARTICLE_FIELD=SOURCE_FIELD lines.")(command)
    return click.option("--field", "field_specs", multiple=True, metavar="ARTICLE_FIELD=SOURCE_FIELD",
                        help="Where a record keeps an article field, e.g. body=story_text (repeatable)."
                        )(command)


def _mapping(field_specs: tuple[str, ...], fields_file: str | None) -> FieldMapping:
    from dateline.corpus.records import FieldMapping

    specs = FieldMapping.parse(field_specs)
    if not fields_file:
        return specs
    try:
        lines = Path(fields_file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatelineError(f"{fields_file}: cannot read the field mapping ({exc})") from None
    return FieldMapping(FieldMapping.parse(lines, fields_file).given + specs.given)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["auto", "jsonl", "table"]), default="auto",
              help="JSON Lines, or a short table; auto picks the table on a terminal.")
@click.option("--exclude", multiple=True, metavar="GLOB",
              help=f"File names to pass over (repeatable). Default: {' '.join(DEFAULT_EXCLUDE)}")
@field_options
def read(paths: tuple[str, ...], fmt: str, exclude: tuple[str, ...], field_specs: tuple[str, ...],
         fields_file: str | None) -> None:
    """Read sources and print the articles understood, one JSON object a line."""
    from dateline.corpus.sources import read_sources

    table = fmt == "table" or (fmt == "auto" and _on_terminal())
    articles = failed = passed_over = 0
    for item in read_sources(paths, exclude or DEFAULT_EXCLUDE, _mapping(field_specs, fields_file)):
        if isinstance(item, SourceError):
            passed_over += item.not_article
            failed += not item.not_article
            _report(item)
            continue
        articles += 1
        if table:
            date = item.published.date().isoformat() if item.published else "unknown"
            click.echo(f"{item.id}  {date:10}  {cut(item.agency, 18):18}  {cut(item.license, 12):12}  "
                       f"{cut(item.dateline, 14):14}  {item.language or '-':3}  {cut(item.title, 60)}")
        else:
            click.echo(json.dumps(item.to_dict(), ensure_ascii=False))
    click.echo(f"{articles} articles read, {passed_over} passed over, {failed} sources failed",
               err=True)
    sys.exit(1 if failed else 0)


@contextmanager
def _progress(unit: str, desc: str) -> Iterator[Any]:
    """A progress bar on a terminal (None otherwise), closed however the work ends."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm
    progress = tqdm(unit=unit, unit_scale=unit == "B", desc=desc, leave=False)
    try:
        yield progress
    finally:
        progress.close()


@cli.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@index_option
@click.option("--prune", is_flag=True, help="Remove articles whose source files are gone.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="File names to pass over (repeatable).")
@click.option("--workers", type=int, default=None, help="Reader processes (default: one per core).")
@click.option("--wait", type=float, default=10.0, show_default=True,
              help="Seconds to wait for another process writing the same index.")
@click.option("--spark", "master", metavar="MASTER",
              help="Read and index on Apache Spark: local[2], spark://host:7077, yarn "
                   "(pip install 'dateline[spark]'; see the README's \"Running on a cluster\").")
@click.option("--shards", type=click.IntRange(1), metavar="N",
              help="With --spark: segments written in parallel (default: Spark's parallelism; at most "
                   "one per part read).")
@click.option("--parquet", type=click.Path(file_okay=False), metavar="DIR",
              help="With --spark: also write the whole archive to DIR as Parquet, partitioned by year.")
@click.option("--spark-conf", "spark_conf", multiple=True, metavar="KEY=VALUE",
              help="With --spark: a Spark setting, e.g. spark.executor.memory=4g (repeatable).")
@field_options
def index(sources, index_dir, prune, exclude, workers, wait, master, shards, parquet, spark_conf, field_specs,
          fields_file) -> None:
    """Read SOURCES and add, update (and with --prune remove) their articles in the index.

    \b
    Examples:
      dateline index reuters21578/ --index reuters-index
      dateline index warcs/ --index archive-index --spark local[4] --parquet archive-parquet/
    """
    from dateline.indexer import index_sources

    mapping = _mapping(field_specs, fields_file)
    if master is None:
        if shards or parquet or spark_conf:
            raise click.UsageError("--shards, --parquet and --spark-conf go with --spark MASTER")
    else:
        if workers is not None:
            raise click.UsageError("--workers is for a local run; on Spark the executors read")
        from dateline.indexer.spark import index_sources_on_spark

        conf = [tuple(setting.split("=", 1)) for setting in spark_conf]
        if any(len(setting) != 2 for setting in conf):
            raise click.UsageError("--spark-conf takes KEY=VALUE")
        report = index_sources_on_spark(sources, index_dir, master, shards=shards, parquet=parquet,
                                        prune=prune, exclude=exclude or DEFAULT_EXCLUDE, wait=wait,
                                        conf=conf, on_error=_report, mapping=mapping)
        click.echo(report.summary(), err=True)
        sys.exit(1 if report.failed else 0)
    with _progress(unit="B", desc="indexing") as progress:
        def on_progress(done: int, total: int, report) -> None:
            if progress is not None:
                progress.total = total
                progress.update(done - progress.n)
                progress.set_postfix(articles=report.added + report.updated + report.unchanged)

        def on_error(error: SourceError) -> None:
            if progress is not None:
                progress.write(_message(error), file=sys.stderr)  # above the bar, not through it
            else:
                _report(error)

        report = index_sources(sources, index_dir, prune=prune, exclude=exclude or DEFAULT_EXCLUDE,
                               workers=workers, wait=wait, on_progress=on_progress, on_error=on_error,
                               mapping=mapping)
    click.echo(report.summary(), err=True)
    sys.exit(1 if report.failed else 0)


def _page(lines: Iterable[str]) -> None:
    """Print lines; a listing taller than the terminal goes through $PAGER (less -R) on a terminal."""
    lines = list(lines)
    if _on_terminal() and len(lines) > shutil.get_terminal_size().lines:
        click.echo_via_pager("\n".join(lines) + "\n")
    else:
        for line in lines:
            click.echo(line)


def _size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def _open_archive(index_dir: str, feedback: bool = False):
    from dateline.search import Archive

    if not feedback:
        return Archive(index_dir)
    from dateline.search.feedback import RM3
    from dateline.search.plan import Ranking

    return Archive(index_dir, ranking=Ranking(feedback=RM3()))


@cli.command()
@index_option
@click.option("--top", default=5, show_default=True, help="Values shown per facet.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def stats(index_dir: str, top: int, fmt: str) -> None:
    """Article count, index size and the top values of each facet (and how many articles have none)."""
    from dateline.search.output import stats_to_dict

    with _open_archive(index_dir) as archive:
        summary = archive.stats(top=top)
    if fmt == "json":
        click.echo(json.dumps(stats_to_dict(summary), ensure_ascii=False, indent=2))
        return
    span = " to ".join(d.date().isoformat() for d in (summary.first, summary.last) if d) or "no dates"
    click.echo(f"{summary.articles} articles, {_size(summary.size_bytes)} on disk, dated {span}")
    for facet in summary.facets:
        if facet.name == "month":
            continue
        counted = [v for v in facet.values if v.count and not v.unknown][:top]  # no empty years
        values = "  ".join(f"{v.value} {v.count}" for v in counted)
        unknown = next((v.count for v in facet.values if v.unknown), 0)
        told = f"  (unknown {unknown})" if unknown else ""
        click.echo(f"  {facet.label + ':':10} {values or '-'}{told}")


@cli.command()
@index_option
def check(index_dir: str) -> None:
    """Verify every index file against the digest taken when it was committed."""
    from dateline.indexer.engine.store import check_index, corrupt_error

    result = check_index(index_dir)
    if result.damaged:
        raise corrupt_error(index_dir, result.damaged)
    with _open_archive(index_dir) as archive:
        archive.stats(top=1)  # opens every segment and reads the facet maps and date columns
    unverified = f", {len(result.unverified)} without a digest" if result.unverified else ""
    click.echo(f"ok: {len(result.verified)} index files match their digests{unverified}")


def filter_options(command: Any) -> Any:
    """A --NAME filter option for each facet of the field registry that has one, and --from/--to."""
    command = click.option("--to", "date_to", metavar="DATE",
                           help="Published on or before (YYYY[-MM[-DD]]).")(command)
    command = click.option("--from", "date_from", metavar="DATE",
                           help="Published on or after (YYYY[-MM[-DD]]), the source's own day.")(command)
    for facet in reversed([f for f in FACET_FIELDS if f.option]):
        command = click.option(f"--{facet.name}", f"filter_{facet.name}", multiple=True, metavar="VALUE",
                               help=facet.option)(command)
    return command


def _filters(options: dict[str, Any]) -> dict[str, Any]:
    """The facet filters among a command's options."""
    return {name.removeprefix("filter_"): values for name, values in options.items()
            if name.startswith("filter_")}


@cli.command()
@click.argument("query", default="")
@index_option
@filter_options
@click.option("--facet", "facet_names", default="", metavar="NAMES",
              help=f"Facet counts to show, comma-separated, from: {', '.join(f.name for f in FACET_FIELDS)}.")
@click.option("--facet-limit", default=10, show_default=True, type=click.IntRange(0),
              help="Values shown per facet, the largest first (0: every value; unknown is always shown).")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance",
              show_default=True)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option("--collapse-reprints", is_flag=True, help="Show one copy of each reprinted story.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@click.option("--feedback", is_flag=True,
              help="Add words of the best matches to the query and search again (RM3 pseudo-relevance "
                   "feedback): finds articles that say it in other words.")
@click.option("--explain", is_flag=True, help="Print the query's plan instead of searching.")
def search(query, index_dir, date_from, date_to, facet_names, facet_limit, sort, limit, page,
           collapse_reprints, fmt, feedback, explain, **filter_values) -> None:
    """Search the index with the Whoosh query language, filters and facet counts.

    \b
    Examples:
      dateline search cocoa --facet place,year
      dateline search 'cocoa -brazil'                 # -word excludes, +word requires
      dateline search '"oil prices" AND title:opec'   # a phrase, a field
      dateline search 'date:[1987-03-01 TO 1987-03-31] volcker' --sort newest
      dateline search '"cocoa prices"~5' --explain    # words near each other; print the plan
      dateline search 'cocoa harvest' --feedback      # and words of its best matches
    """
    from dateline.search.output import results_to_dict, table_lines, write_csv

    filters = _filters(filter_values)
    facets = [name.strip() for name in facet_names.split(",") if name.strip()]
    with _open_archive(index_dir, feedback) as archive:
        if explain:
            click.echo("\n".join(archive.explain(query)))
            return
        results = archive.search(query, filters=filters, date_from=date_from, date_to=date_to, facets=facets,
                                 sort=sort, page=page, limit=limit, collapse_reprints=collapse_reprints,
                                 facet_limit=facet_limit or None)
    if fmt == "json":
        click.echo(json.dumps(results_to_dict(results), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        write_csv(results, sys.stdout)
    else:
        width = shutil.get_terminal_size().columns if _on_terminal() else None
        _page(table_lines(results, styled=_styled(), width=width))


@cli.command()
@click.argument("queries", nargs=-1, required=True)
@index_option
@filter_options
@click.option("--by", type=click.Choice(["day", "week", "month", "year"]), default="month",
              show_default=True, help="The period counted.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@click.option("--chart", type=click.Path(dir_okay=False), metavar="FILE.svg|FILE.png",
              help="Also draw the trend as a line chart.")
@click.option("--share", is_flag=True, help="Chart each query's share of the period's articles, not counts.")
def trend(queries, index_dir, date_from, date_to, by, fmt, chart, share, **filter_values) -> None:
    """Count each query's matches per period, beside all articles of the period.

    \b
    Examples:
      dateline trend cocoa coffee --by month
      dateline trend 'oil AND opec' --place usa --by week --chart oil.svg --share
    """
    from dateline.search.output import trend_lines, trend_to_dict, write_trend_csv
    from dateline.search.trend import draw

    if chart and Path(chart).suffix.lower() not in (".svg", ".png"):
        raise click.UsageError(f"--chart {chart}: name an .svg or .png file")
    with _open_archive(index_dir) as archive:
        result = archive.trend(queries, by=by, filters=_filters(filter_values), date_from=date_from,
                               date_to=date_to)
    if fmt == "json":
        click.echo(json.dumps(trend_to_dict(result), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        write_trend_csv(result, sys.stdout)
    else:
        _page(trend_lines(result))
    if chart:
        draw(result, chart, share=share)
        click.echo(f"chart written to {chart}", err=True)


@cli.command()
@click.argument("query")
@index_option
@filter_options
@click.option("--width", default=5, show_default=True, type=click.IntRange(1, 50), help="Words each side.")
@click.option("--sort", type=click.Choice(["date", "left", "right"]), default="date", show_default=True,
              help="Oldest article first, or by the words left or right of the keyword.")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most this many lines.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
def kwic(query, index_dir, date_from, date_to, width, sort, limit, fmt, **filter_values) -> None:
    """Every occurrence of the query's words in context (a concordance), keywords aligned.

    \b
    Examples:
      dateline kwic cocoa --width 4 --sort left
      dateline kwic '"oil prices"' --from 1987-03 --to 1987-03 --format csv > oil-prices.csv
    """
    from dateline.search.output import kwic_lines, write_kwic_csv

    with _open_archive(index_dir) as archive:
        lines = archive.concordance(query, width=width, filters=_filters(filter_values), date_from=date_from,
                                    date_to=date_to, sort=sort, limit=limit)
    if fmt == "csv":
        write_kwic_csv(lines, sys.stdout)
    else:
        columns = shutil.get_terminal_size().columns
        _page(kwic_lines(lines, chars=max(20, (columns - 24) // 2 - 8)))
    click.echo(f"{len(lines)} occurrences", err=True)


@cli.command()
@click.argument("query", default="")
@index_option
@filter_options
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), default="jsonl",
              show_default=True, help="parquet: typed columns (timestamps, lists), for pandas, DuckDB, R.")
@click.option("--output", type=click.Path(), metavar="FILE",
              help="Write here, and what was exported (query, filters, time, index generation) to "
                   "FILE.meta.json; default: standard output, that record on standard error.")
@click.option("--by-year", is_flag=True,
              help="With --format parquet: --output is a folder with one year=YYYY/ folder a year (the "
                   "layout `dateline index --spark --parquet` writes).")
def export(query, index_dir, date_from, date_to, fmt, output, by_year, **filter_values) -> None:
    """Every matching article with every field (body, topics, places, people, provenance), oldest first.

    \b
    Examples:
      dateline export cocoa --place brazil --format csv --output cocoa-brazil.csv
      dateline export --format jsonl --output archive.jsonl          # the whole archive
      dateline export --format parquet --output archive.parquet
      dateline export --format parquet --by-year --output archive-parquet/
    """
    from dateline.search.output import (
        export_record,
        replacing,
        write_export,
        write_parquet,
        write_parquet_by_year,
    )

    if fmt == "parquet" and not output:
        raise click.UsageError("--format parquet writes a file: give --output FILE")
    if by_year and fmt != "parquet":
        raise click.UsageError("--by-year goes with --format parquet")
    if output and Path(output).is_dir() and not by_year:
        raise click.UsageError(f"--output {output} is a folder: give a file, or --by-year")
    filters = _filters(filter_values)
    with _open_archive(index_dir) as archive:
        articles = archive.export(query, filters=filters, date_from=date_from,
                                  date_to=date_to)
        if by_year:
            with replacing(output) as folder:
                written = write_parquet_by_year(articles, folder)
        elif fmt == "parquet":
            written = write_parquet(articles, output)
        elif output:
            with open(output, "w", encoding="utf-8", newline="") as out:
                written = write_export(articles, out, fmt)
        else:
            written = write_export(articles, sys.stdout, fmt)
        record = export_record(archive, query, filters, date_from, date_to, written)
    if output:
        Path(f"{output}.meta.json").write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n",
                                               encoding="utf-8")
        click.echo(f"{written} articles exported to {output} (what was exported: {output}.meta.json)",
                   err=True)
    else:
        click.echo(json.dumps(record, ensure_ascii=False), err=True)


@cli.command()
@click.argument("query", default="")
@index_option
@filter_options
@click.option("--min-copies", default=2, show_default=True, type=click.IntRange(2),
              help="Smallest group shown.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1), help="Groups shown.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def reprints(query, index_dir, date_from, date_to, min_copies, limit, fmt, **filter_values) -> None:
    """Stories reprinted (near-duplicate copies), largest group first, with a copy among QUERY's matches.

    \b
    Examples:
      dateline reprints                      # the most reprinted stories of the archive
      dateline reprints cocoa --limit 5
      dateline search 'reprint:GROUP'        # every copy of one group
    """
    from dateline.search.output import reprint_lines, reprints_to_dict

    with _open_archive(index_dir) as archive:
        total, groups = archive.reprint_groups(query, filters=_filters(filter_values), date_from=date_from,
                                               date_to=date_to, min_copies=min_copies, limit=limit)
    if fmt == "json":
        click.echo(json.dumps(reprints_to_dict(total, groups), ensure_ascii=False, indent=2))
    else:
        _page(reprint_lines(total, groups))


@cli.command()
@click.argument("out", type=click.Path(file_okay=False))
@index_option
@click.option("--query", "query_options", multiple=True, metavar="NAME=QUERY",
              help="A saved query page (repeatable).")
@click.option("--queries", "queries_file", type=click.Path(dir_okay=False),
              help="A file of NAME=QUERY lines.")
@click.option("--no-search", is_flag=True, help="Skip the Pagefind search index.")
def site(out, index_dir, query_options, queries_file, no_search) -> None:
    """Build a static HTML site of the archive in OUT: browse pages, article pages, saved queries, search."""
    from pathlib import Path

    from dateline.search.site import build_site, parse_queries

    queries = parse_queries(list(query_options), "--query")
    if queries_file:
        try:
            lines = Path(queries_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise DatelineError(f"{queries_file}: cannot read saved queries ({exc})") from None
        queries.update(parse_queries(lines, queries_file))
    with _open_archive(index_dir) as archive, _progress(unit="page", desc="building pages") as progress:
        def shown(step: str, done: int, total: int) -> None:
            if step == "search index":
                progress.write("indexing the pages for search (Pagefind)…", file=sys.stderr)
            else:
                progress.total = total
                progress.update(done - progress.n)

        report = build_site(archive, out, queries, search_index=not no_search,
                            on_progress=shown if progress is not None else None)
    click.echo(report.summary(), err=True)
    index_page = Path(out).resolve() / "index.html"
    click.echo(f"Open {index_page.as_uri()} to browse; for search run: dateline serve {out}", err=True)
    sys.exit(1 if report.search_error else 0)


@cli.command()
@click.argument("out", type=click.Path(file_okay=False, exists=True))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port on 127.0.0.1 (0: any free port).")
def serve(out: str, port: int) -> None:
    """Serve a built site on 127.0.0.1 so its Pagefind search works."""
    from dateline.search.site.serve import make_server

    with make_server(out, port) as server:
        address = f"http://127.0.0.1:{server.server_address[1]}/"
        click.echo(f"Serving {out} at {address} (Ctrl-C to stop)", err=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
