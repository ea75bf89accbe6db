"""The `dateline` command: a thin click layer over the library API of each stage."""

from __future__ import annotations

import json
import sys

import click

from dateline.corpus import DEFAULT_EXCLUDE, read_sources
from dateline.errors import SourceError


def _report(error: Exception) -> None:
    click.echo(f"error: {error}", err=True)


def _on_terminal() -> bool:
    return sys.stdout.isatty()


def _cut(text: str | None, width: int) -> str:
    text = text or "-"
    return text if len(text) <= width else text[: width - 1] + "…"


@click.group()
@click.version_option(package_name="dateline")
def cli() -> None:
    """Dateline: find, count, compare and publish what is in a news archive."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["auto", "jsonl", "table"]), default="auto",
              help="JSON Lines, or a short table; auto picks the table on a terminal.")
@click.option("--exclude", multiple=True, metavar="GLOB",
              help=f"File names to pass over (repeatable). Default: {' '.join(DEFAULT_EXCLUDE)}")
def read(paths: tuple[str, ...], fmt: str, exclude: tuple[str, ...]) -> None:
    """Read sources and print the articles understood, one JSON object a line."""
    table = fmt == "table" or (fmt == "auto" and _on_terminal())
    articles = skipped = 0
    for item in read_sources(paths, exclude or DEFAULT_EXCLUDE):
        if isinstance(item, SourceError):
            skipped += 1
            _report(item)
            continue
        articles += 1
        if table:
            date = item.published.date().isoformat() if item.published else "unknown"
            click.echo(f"{item.id}  {date:10}  {_cut(item.agency, 18):18}  {_cut(item.license, 12):12}  "
                       f"{_cut(item.dateline, 14):14}  {item.language or '-':3}  {_cut(item.title, 60)}")
        else:
            click.echo(json.dumps(item.to_dict(), ensure_ascii=False))
    click.echo(f"{articles} articles read, {skipped} sources skipped", err=True)
    sys.exit(1 if skipped else 0)
