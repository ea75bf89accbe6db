"""The `dateline` command: a thin click layer over the library API of each stage."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
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
    "--index", "index_dir", default=lambda: os.environ.get("DATELINE_INDEX", DEFAULT_INDEX), show_default=DEFAULT_INDEX,
    type=click.Path(file_okay=False), help="Index folder (or set DATELINE_INDEX).")


def _report(error: Exception) -> None:
    click.echo(f"error: {error}", err=True)


def _on_terminal() -> bool:
    return sys.stdout.isatty()


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
                        help="Where a record keeps an article field, e.g. body=story_text (repeatable).")(command)


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
    articles = skipped = 0
    for item in read_sources(paths, exclude or DEFAULT_EXCLUDE, _mapping(field_specs, fields_file)):
        if isinstance(item, SourceError):
            skipped += 1
            _report(item)
            continue
        articles += 1
        if table:
            date = item.published.date().isoformat() if item.published else "unknown"
            click.echo(f"{item.id}  {date:10}  {cut(item.agency, 18):18}  {cut(item.license, 12):12}  "
                       f"{cut(item.dateline, 14):14}  {item.language or '-':3}  {cut(item.title, 60)}")
        else:
            click.echo(json.dumps(item.to_dict(), ensure_ascii=False))
    click.echo(f"{articles} articles read, {skipped} sources skipped", err=True)
    sys.exit(1 if skipped else 0)


@contextmanager
def _progress(unit: str, desc: str) -> Iterator[Any]:
    """A progress bar on a terminal (None otherwise), closed however the work ends."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm
    progress = tqdm(unit=unit, desc=desc, leave=False)
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
@field_options
def index(sources, index_dir, prune, exclude, workers, wait, field_specs, fields_file) -> None:
    """Read SOURCES and add, update (and with --prune remove) their articles in the index."""
    from dateline.indexer import index_sources

    mapping = _mapping(field_specs, fields_file)
    with _progress(unit="file", desc="indexing") as progress:
        def on_file(done: int, total: int, report) -> None:
            articles = report.added + report.updated + report.unchanged
            if progress is not None:
                progress.total = total
                progress.update(1)
                progress.set_postfix(articles=articles)
            elif done == total or done % 10 == 0:
                click.echo(f"indexed {done}/{total} files, {articles} articles", err=True)

        report = index_sources(sources, index_dir, prune=prune, exclude=exclude or DEFAULT_EXCLUDE,
                               workers=workers, wait=wait, on_file=on_file, on_error=_report, mapping=mapping)
    click.echo(report.summary(), err=True)
    sys.exit(1 if report.errors else 0)


def _size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def _open_archive(index_dir: str):
    from dateline.search import Archive

    return Archive(index_dir)


@cli.command()
@index_option
@click.option("--top", default=5, show_default=True, help="Values shown per facet.")
def stats(index_dir: str, top: int) -> None:
    """Article count, index size and the top values of each facet."""
    with _open_archive(index_dir) as archive:
        summary = archive.stats(top=top)
    span = " to ".join(d.date().isoformat() for d in (summary.first, summary.last) if d) or "no dates"
    click.echo(f"{summary.articles} articles, {_size(summary.size_bytes)} on disk, dated {span}")
    for facet in summary.facets:
        if facet.name == "month":
            continue
        values = "  ".join(f"{v.value} {v.count}" for v in facet.values[:top] if not v.unknown)
        unknown = next((v.count for v in facet.values if v.unknown), 0)
        click.echo(f"  {facet.label + ':':10} {values or '-'}" + (f"  (unknown {unknown})" if unknown else ""))


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
    """A --NAME filter option for each facet of the field registry that has one."""
    for facet in reversed([f for f in FACET_FIELDS if f.option]):
        command = click.option(f"--{facet.name}", f"filter_{facet.name}", multiple=True, metavar="VALUE",
                               help=facet.option)(command)
    return command


@cli.command()
@click.argument("query", default="")
@index_option
@filter_options
@click.option("--from", "date_from", metavar="DATE",
              help="Published on or after (YYYY[-MM[-DD]]), the source's own day.")
@click.option("--to", "date_to", metavar="DATE", help="Published on or before (YYYY[-MM[-DD]]).")
@click.option("--facet", "facet_names", default="", metavar="NAMES",
              help=f"Facet counts to show, comma-separated, from: {', '.join(f.name for f in FACET_FIELDS)}.")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance", show_default=True)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option("--collapse-reprints", is_flag=True, help="Show one copy of each reprinted story.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--explain", is_flag=True, help="Print the query's plan instead of searching.")
def search(query, index_dir, date_from, date_to, facet_names, sort, limit, page, collapse_reprints, fmt, explain,
           **filter_values) -> None:
    """Search the index with the Whoosh query language, filters and facet counts."""
    from dateline.search.output import results_to_dict, table_lines, write_csv

    filters = {name.removeprefix("filter_"): values for name, values in filter_values.items()}
    facets = [name.strip() for name in facet_names.split(",") if name.strip()]
    with _open_archive(index_dir) as archive:
        if explain:
            click.echo("\n".join(archive.explain(query)))
            return
        results = archive.search(query, filters=filters, date_from=date_from, date_to=date_to, facets=facets,
                                 sort=sort, page=page, limit=limit, collapse_reprints=collapse_reprints)
    if fmt == "json":
        click.echo(json.dumps(results_to_dict(results), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        write_csv(results, sys.stdout)
    else:
        for line in table_lines(results, styled=_on_terminal()):
            click.echo(line)


@cli.command()
@click.argument("out", type=click.Path(file_okay=False))
@index_option
@click.option("--query", "query_options", multiple=True, metavar="NAME=QUERY", help="A saved query page (repeatable).")
@click.option("--queries", "queries_file", type=click.Path(dir_okay=False), help="A file of NAME=QUERY lines.")
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
    with _open_archive(index_dir) as archive, _progress(unit="page", desc="building") as progress:
        report = build_site(archive, out, queries, search_index=not no_search,
                            on_page=(lambda n: progress.update(1)) if progress is not None else None)
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
        click.echo(f"Serving {out} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)", err=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
