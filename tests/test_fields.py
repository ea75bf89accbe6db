"""The field registry is the one place facets are declared: the CLI, the site and the README agree with it."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from dateline.cli import cli
from dateline.indexer.engine.schema import build_schema
from dateline.indexer.fields import FACET_FIELDS, FIELDS, QUERY_FIELDS
from dateline.search.facets import FACETS
from dateline.search.query import KNOWN_NAMES

from .conftest import SEEDS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_schema_and_facets_come_from_the_registry():
    # Whoosh adds a spelling field, Dateline a field of word pairs to each text field (pairs.py)
    assert set(build_schema().names()) == {f.name for f in FIELDS} | {"spell_body"} | {
        f"{f.name}_pairs" for f in FIELDS if f.kind == "text"}
    assert list(FACETS) == [f.name for f in FACET_FIELDS]
    assert {f.name: f.label for f in FACET_FIELDS} == {name: facet.label for name, facet in FACETS.items()}
    for field in FIELDS:
        assert (field.name in KNOWN_NAMES) == field.queryable
        assert all(alias in KNOWN_NAMES for alias in field.aliases)


def test_cli_filters_and_facets_are_the_registrys():
    help_text = CliRunner().invoke(cli, ["search", "--help"], terminal_width=200).output
    options = set(re.findall(r"^\s+--(\w+) VALUE", help_text, re.M))
    assert options == {f.name for f in FACET_FIELDS if f.option}
    facet_help = " ".join(re.search(r"--facet NAMES\s+(.*?)\n\s+--sort", help_text, re.S).group(1).split())
    assert all(f.name in facet_help for f in FACET_FIELDS)


def test_readme_names_every_filter_facet_and_query_field():
    filters = re.search(r"- Filters: (`[^`]*`)", README).group(1)
    assert set(re.findall(r"--(\w+)", filters)) == {f.name for f in FACET_FIELDS if f.option}
    facets = re.search(r"- Facets: `--facet ([\w,]+)`", README).group(1).split(",")
    assert sorted(facets) == sorted(f.name for f in FACET_FIELDS)
    fields = re.search(r"and fields (`.*?)\(aliases", README, re.S).group(1)
    assert {name for name in QUERY_FIELDS} <= set(re.findall(r"(\w+):", fields))


def test_site_navigation_browse_pages_and_pagefind_filters_are_the_registrys(tmp_path):
    runner = CliRunner()
    index, site = tmp_path / "index", tmp_path / "site"
    assert runner.invoke(cli, ["index", str(SEEDS), "--index", str(index)]).exit_code == 0
    result = runner.invoke(cli, ["site", str(site), "--index", str(index), "--no-search"])
    assert result.exit_code == 0, result.output
    home = (site / "index.html").read_text(encoding="utf-8")
    nav = re.search(r'<nav aria-label="Site">(.*?)</nav>', home, re.S).group(1)
    assert re.findall(r'<a href="browse/(\w+)/index.html">([^<]+)</a>', nav) == [
        (f.name, f.plural) for f in FACET_FIELDS if f.nav]
    assert {p.name for p in (site / "browse").iterdir()} <= {f.name for f in FACET_FIELDS if f.browse}
    article = next((site / "articles").glob("*.html")).read_text(encoding="utf-8")
    filters = set(re.findall(r'data-pagefind-filter="(\w+)"', article))
    assert {"agency", "license", "lang", "dateline", "year"} <= filters <= {f.name for f in FACET_FIELDS if f.pagefind}
