"""Hostile input: sources, queries and folders built to break Dateline, and what it does instead."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dateline.cli import cli
from dateline.search.site.render import link_url

from .conftest import SEEDS, run_cli

SCRIPT_URLS = ["javascript:window.pwned=1", "JavaScript:window.pwned=2", "\tjavascript:window.pwned=3",
               " JAVASCRIPT:window.pwned=4", "java\nscript:window.pwned=5", "data:text/html,<script>x</script>"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("url", SCRIPT_URLS + ["vbscript:msgbox(1)", "//evil.example/x", "ftp://x", "http://"])
def test_only_http_urls_become_links(url):
    assert link_url(url) is None


def test_http_urls_stay_links():
    assert link_url("https://en.mehrnews.com/news/1") == "https://en.mehrnews.com/news/1"
    assert link_url(" HTTP://example.org/a?b=1 ") == "HTTP://example.org/a?b=1"


def _script_url_sources(folder: Path) -> None:
    """A javascript: URL in every place a source can carry one: JSON Lines, a canonical link, a sidecar."""
    records = [{"id": f"j{n}", "title": f"Hostile link {n}", "url": url,
                "body": f"Parliament passed the budget on the {n}th vote, officials said in a statement."}
               for n, url in enumerate(SCRIPT_URLS)]
    (folder / "links.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    (folder / "canonical.html").write_text(
        '<!doctype html><html lang="en"><head><title>Canonical link</title>'
        '<link rel="canonical" href="javascript:window.pwned=7"></head><body><article>'
        "<p>The ministry announced the new budget figures for the coming year on Sunday morning.</p>"
        "</article></body></html>")
    (folder / "wire.txt").write_text("TEHRAN - Officials announced the new budget figures for the coming year "
                                     "on Sunday in a statement to reporters.")
    (folder / "wire.json").write_text(json.dumps({"url": "javascript:window.pwned=8"}))


@pytest.mark.browser
def test_script_urls_from_any_source_never_run(tmp_path, page):
    sources = tmp_path / "sources"
    sources.mkdir()
    _script_url_sources(sources)
    index, out = tmp_path / "index", tmp_path / "site"
    run_cli("index", str(sources), str(SEEDS), "--index", str(index), check=True)
    run_cli("site", str(out), "--index", str(index), "--no-search", check=True)
    pages = [p for p in (out / "articles").iterdir() if "pwned=" in p.read_text() or "data:text" in p.read_text()]
    assert len(pages) == 8
    for article in pages:
        page.goto(article.as_uri())
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        assert not [h for h in hrefs if not h.startswith(("file:", "https:"))], hrefs
        original = page.locator("dl.metadata dd code").last
        assert "script" in original.inner_text().lower() or "data:" in original.inner_text()
        original.click()
        assert page.evaluate("window.pwned") is None


def test_an_index_with_nothing_committed_reads_as_empty(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    index = str(tmp_path / "index")
    result = invoke("index", str(empty), "--index", index)
    assert result.exit_code == 0 and "0 added" in result.output
    stats = invoke("stats", "--index", index)
    assert stats.exit_code == 0 and stats.output.startswith("0 articles")
    for args in (["oil", "--facet", "place,year"], ["title:oil", "--sort", "newest", "--collapse-reprints"]):
        result = invoke("search", *args, "--index", index)
        assert result.exit_code == 0 and "0 " in result.output.splitlines()[0]
    bad = invoke("search", "title:(", "--index", index)
    assert bad.exit_code == 2, "a malformed query is still an error on an empty index"
    site = invoke("site", str(tmp_path / "site"), "--index", index, "--no-search")
    assert site.exit_code == 0 and (tmp_path / "site" / "index.html").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_symlink_loops_dangling_links_and_pipes_are_one_line_each(tmp_path):
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "good.jsonl").write_text(json.dumps({"title": "Good", "body": "A real article body, long enough."}))
    (folder / "loop.txt").symlink_to("loop.txt")
    (folder / "dangling.txt").symlink_to("nowhere.txt")
    os.mkfifo(folder / "pipe.txt")
    for command in (["read", str(folder)], ["index", str(folder), "--index", str(tmp_path / "index")],
                    ["read", str(folder / "pipe.txt")]):
        result = run_cli(*command, process=True)  # a real process: a pipe would block it, which a timeout would show
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert any("pipe.txt: not a regular file" in line for line in errors)
        if command[1] == str(folder):
            assert len(errors) == 3
            assert any("loop.txt: cannot read: Too many levels of symbolic links" in line for line in errors)
            assert any("dangling.txt: cannot read: No such file" in line for line in errors)
    assert "1 added" in run_cli("index", str(folder), "--index", str(tmp_path / "again")).stderr


@pytest.fixture(scope="module")
def reuters_archive(reuters_index):
    from dateline.search import Archive

    with Archive(reuters_index) as archive:
        yield archive


@pytest.mark.parametrize("query, message", [
    ("[1987 TO }", None), ("co\ufeffcoa oil", None), ("(" * 2000 + "oil" + ")" * 2000, "nested more than 32 deep"),
    ("date:{ TO 1987-03-01]", None), ("NOT NOT NOT oil", None), ("15:01", None), ("ratio 3:1", None),
    ("ایران؟", None), ("00;0", None), ("oil~999999999999999999999999999999", "fuzzy distance"),
    ("?*", "stands for every word"), ("oil ***", "stands for every word"),
    ("date:[1987-13-01 TO 1987-03-31]", "month must be in 1..12"), ("date:[TO]", "needs a start, an end or both"),
    ("title:(oil", "unclosed '('"), ("[1987 TO x]", "stands for more than 4,096 words"),
])
def test_hostile_queries_run_or_fail_in_one_line(reuters_index, query, message):
    result = CliRunner().invoke(cli, ["search", "--index", str(reuters_index), "--facet", "place", "--", query])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if message is None:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 2 and message in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_field_names_in_any_case_mean_the_field(reuters_archive):
    for field, value in (("place", "usa"), ("agency", "reuters"), ("title", "cocoa"), ("lang", "en")):
        expected = reuters_archive.search(f"{field}:{value}").total
        assert expected > 0
        assert reuters_archive.search(f"{field.upper()}:{value}").total == expected
        assert reuters_archive.search(f"{field.title()}:{value}").total == expected


def test_open_date_ranges_and_nots(reuters_archive):
    before = reuters_archive.search("date:{ TO 1987-03-01]").total
    assert before == reuters_archive.search("", date_to="1987-03-01").total > 0
    assert reuters_archive.search("NOT NOT NOT oil").total == reuters_archive.search("NOT oil").total
    assert reuters_archive.search("NOT NOT oil").total == reuters_archive.search("oil").total


def test_a_lone_surrogate_through_the_api_is_a_query_error(reuters_archive):
    from dateline.errors import QueryError

    with pytest.raises(QueryError, match="lone surrogate"):
        reuters_archive.search("oil \ud800")


def test_expansions_are_bounded_and_every_search_has_a_time_limit(reuters_index):
    from dateline.errors import QueryError
    from dateline.search import Archive

    with Archive(reuters_index) as archive:
        with pytest.raises(QueryError, match="stands for more than 4,096 words"):
            archive.search("body:*e*")
        assert archive.search("***").total == 20000, "only stars: every article, as the empty query"
    with Archive(reuters_index, time_limit=0.0) as hurried:
        with pytest.raises(QueryError, match="stopped after 0 s, its time limit"):
            hurried.search("oil OR gas OR wheat")


def test_building_a_segments_arrays_is_left_out_of_the_time_limit(tmp_path, reuters_index, monkeypatch):
    """The first query of an index with no cached arrays builds them for every segment (at a million
    articles, seconds): that is done once for every later query, and must not make it fail."""
    from dateline.indexer.engine import segments
    from dateline.search import Archive

    copy = tmp_path / "index"
    shutil.copytree(reuters_index, copy, ignore=shutil.ignore_patterns(segments.CACHE_FOLDER))
    original = segments.ArrayCache.get

    def slow(self, segment_id, size, name, build):
        return original(self, segment_id, size, name, lambda: time.sleep(0.4) or build())

    monkeypatch.setattr(segments.ArrayCache, "get", slow)
    with Archive(copy, time_limit=1.0) as archive:
        started = time.monotonic()
        assert archive.search("oil OR gas", facets=["place"]).total > 1000
        assert time.monotonic() - started > 1.0, "the arrays' building took longer than the limit"


@pytest.mark.parametrize("value, expected", [
    ("fa-IR", "fa"), ("FA", "fa"), ("per", "fa"), ("fas", "fa"), ("Persian", "fa"), ("fa_IR", "fa"),
    ("EN-us", "en"), ("ar", "ar"), ("iw", "he"), ("<script>alert(1)</script>", None), ("x" * 180, None),
    ("und", None), ("", None), (None, None), (7, None),
])
def test_languages_are_bcp47_language_subtags_or_unknown(value, expected):
    from dateline.corpus.language import normalise_language

    assert normalise_language(value) == expected


def test_hostile_language_values_cannot_break_the_site_search(tmp_path):
    records = [{"id": f"l{n}", "title": f"Budget vote {n}", "language": language,
                "body": "Parliament passed the budget on Sunday, officials said in a statement to reporters."}
               for n, language in enumerate(["<script>x</script>", "x" * 180, "fa-IR", "Persian", "EN"])]
    corpus = tmp_path / "langs.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in records))
    read = run_cli("read", str(corpus), check=True)
    languages = [json.loads(line)["language"] for line in read.stdout.splitlines()]
    assert languages[2:] == ["fa", "fa", "en"]
    assert all(language in ("en", None) for language in languages[:2]), "junk is not a language: detected instead"
    index, out = tmp_path / "index", tmp_path / "site"
    run_cli("index", str(corpus), "--index", str(index), check=True)
    built = run_cli("site", str(out), "--index", str(index))
    assert built.returncode == 0 and "search index built" in built.stderr, built.stderr
    assert (out / "pagefind" / "pagefind.js").exists()
    persian = [p.read_text() for p in (out / "articles").iterdir() if 'lang="fa"' in p.read_text()]
    assert len(persian) == 2 and all('dir="rtl"' in page for page in persian)


def test_a_pagefind_failure_is_one_line_and_the_pages_stay(tmp_path):
    corpus = tmp_path / "one.jsonl"
    corpus.write_text(json.dumps({"title": "Budget", "body": "Parliament passed the budget on Sunday morning."}))
    index, out = tmp_path / "index", tmp_path / "site"
    run_cli("index", str(corpus), "--index", str(index), check=True)
    stray = out / "notes" / "mine.html"  # a page of the user's own, with a lang Pagefind panics on
    stray.parent.mkdir(parents=True)
    stray.write_text(f'<html lang="{"x" * 180}"><body data-pagefind-body><p>notes</p></body></html>')
    built = run_cli("site", str(out), "--index", str(index))
    assert built.returncode == 0 and "search index built" in built.stderr, "Pagefind reads article pages only"

    (out / "pagefind.new").write_text("not a folder")  # where Pagefind writes its new bundle
    index_more = tmp_path / "two.jsonl"
    index_more.write_text(json.dumps({"title": "Vote", "body": "The vote on the budget was held on Monday."}))
    run_cli("index", str(index_more), "--index", str(index), check=True)
    built = run_cli("site", str(out), "--index", str(index))
    assert built.returncode == 1 and "Traceback" not in built.stderr
    summary = [line for line in built.stderr.splitlines() if "pages written" in line]
    assert len(summary) == 1 and "search index NOT built (pagefind failed: " in summary[0], built.stderr
    assert (out / "index.html").exists() and len(list((out / "articles").iterdir())) == 2


@pytest.fixture
def served_site(tmp_path):
    """A small built site, with a symlink out of it, served by `dateline serve` in a real process."""
    import re
    import subprocess
    import sys

    corpus = tmp_path / "one.jsonl"
    corpus.write_text(json.dumps({"title": "Budget", "body": "Parliament passed the budget on Sunday morning."}))
    index, out = tmp_path / "index", tmp_path / "site"
    run_cli("index", str(corpus), "--index", str(index), check=True)
    run_cli("site", str(out), "--index", str(index), "--no-search", check=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web")
    (out / "leak.txt").symlink_to(secret)
    (out / "leakdir").symlink_to(tmp_path)
    process = subprocess.Popen([sys.executable, "-m", "dateline", "serve", str(out), "--port", "0"],
                               stderr=subprocess.PIPE, text=True)
    url = re.search(r"http://127\.0\.0\.1:\d+/", process.stderr.readline()).group()
    yield url, out
    process.terminate()
    process.wait(timeout=10)


def _status(url: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_serve_serves_only_files_inside_the_site_and_lists_nothing(served_site):
    url, out = served_site
    assert _status(url + "index.html") == 200 and _status(url) == 200
    article = next((out / "articles").iterdir()).name
    assert _status(f"{url}articles/{article}") == 200
    for path in ("articles/", "leak.txt", "leakdir/secret.txt", "leakdir/", "../secret.txt", "%2e%2e/secret.txt"):
        assert _status(url + path) == 404, path


def test_serve_on_a_busy_port_or_a_bad_one_is_one_line(served_site):
    url, out = served_site
    port = url.rsplit(":", 1)[1].strip("/")
    for given in (port, "-1", "70000"):
        result = run_cli("serve", str(out), "--port", given, process=True)
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "cannot serve on 127.0.0.1:" in run_cli("serve", str(out), "--port", port, process=True).stderr
    not_a_site = run_cli("serve", str(out / "articles"), "--port", "0", process=True)
    assert not_a_site.returncode == 2 and "not a Dateline site" in not_a_site.stderr


def test_a_source_too_large_to_be_an_article_is_one_line_and_the_rest_is_read(tmp_path):
    from dateline.corpus.article import MAX_ARTICLE_BYTES

    huge = "prices rose " * (MAX_ARTICLE_BYTES // 12 + 1)
    lines = [{"title": "Before", "body": "A normal article before the huge one."}, {"title": "Huge", "body": huge},
             {"title": "After", "body": "A normal article after the huge one."}]
    (tmp_path / "mixed.jsonl").write_text("\n".join(json.dumps(line) for line in lines))
    (tmp_path / "huge.txt").write_text("TEHRAN - " + huge)
    result = run_cli("read", str(tmp_path))
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 1 and len(errors) == 2
    assert any("mixed.jsonl:line 2: 16 MB is more than one article can be" in line for line in errors)
    assert any("huge.txt: 16 MB is more than one article can be" in line for line in errors)
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == ["Before", "After"]


def test_published_pages_never_show_the_builders_local_paths(tmp_path, reuters):
    import shutil

    folder = tmp_path / "private" / "archive"
    folder.mkdir(parents=True)
    shutil.copy(reuters / "reut2-007.sgm", folder)
    shutil.copy(next(SEEDS.glob("*.txt")), folder)
    index, out = tmp_path / "index", tmp_path / "site"
    run_cli("index", str(folder.resolve()), "--index", str(index), check=True)
    run_cli("site", str(out), "--index", str(index), "--no-search", check=True)
    pages = list(out.rglob("*.html"))
    assert len(pages) > 1000
    leaking = [page for page in pages if str(tmp_path) in page.read_text()]
    assert leaking == [], f"{len(leaking)} pages name {tmp_path}"
    article = (out / "articles").iterdir().__next__().read_text()
    assert "<code>archive/" in article, "provenance names the file within the folder indexed"
    again = run_cli("index", str(folder.resolve()), "--index", str(index), check=True)
    assert "0 added" in again.stderr and "2 unchanged files skipped" in again.stderr
