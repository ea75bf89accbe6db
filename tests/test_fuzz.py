"""The fuzz suite: queries from a grammar and random text, and readers on mutated real files.

Every query either runs or is a QueryError (one line, exit status 2 from the CLI), within the time
limit; every mutated source gives articles or one-line SourceErrors, never an exception.
bench/fuzz.py runs the same strategies for much longer and reports tried / failed counts.
"""

from __future__ import annotations

import gzip
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from dateline.cli import cli
from dateline.corpus import Article, read_file
from dateline.errors import QueryError, SourceError
from dateline.indexer import index_sources
from dateline.search import Archive

from .conftest import SEEDS, SHARED
from .fuzzing import mutated, queries

EXAMPLES = 150
# Derandomized: the same examples on every run, so CI is reproducible; bench/fuzz.py explores at random.
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
WARCS = SHARED / "data" / "warc-samples"
SAMPLES = {
    "reuters.sgm": lambda: (SHARED / "data" / "reuters21578" / "reut2-004.sgm").read_bytes()[:60_000],
    "example.warc.gz": lambda: (WARCS / "warcio" / "example.warc.gz").read_bytes(),
    "example.warc": lambda: (WARCS / "warcio" / "example.warc").read_bytes(),
    "page.html": lambda: gzip.decompress(next((SHARED / "data" / "html-dev" / "trafilatura-dev").rglob("*.gz"))
                                         .read_bytes()),
    "fars.jsonl": lambda: b"".join((SHARED / "data" / "fars-news" / "fars-news.jsonl").read_bytes()
                                   .splitlines(keepends=True)[:20]),
    "seed.txt": lambda: next(SEEDS.glob("*.txt")).read_bytes(),
    "farsnews.csv": lambda: (SHARED / "data" / "fars-news" / "itrc" / "farsnews.csv").read_bytes()[:40_000],
    "guardian.rss": lambda: (SHARED / "data" / "feeds" / "guardian-us-2018-01-31.rss").read_bytes()[:40_000],
    "daringfireball.atom": lambda: (SHARED / "data" / "feeds" / "daringfireball-2017-06-27.atom").read_bytes()[:40_000],
    "fars.json": lambda: b"[" + b",".join((SHARED / "data" / "fars-news" / "fars-news.jsonl").read_bytes()
                                           .splitlines()[:10]) + b"]",
}


@pytest.fixture(scope="module")
def fuzz_index(tmp_path_factory, reuters) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copy(reuters / "reut2-005.sgm", folder)
    shutil.copy(next(SEEDS.glob("*.txt")), folder)
    shutil.copy(SHARED / "data" / "fars-news" / "fars-news.jsonl", folder / "fars.jsonl")
    index_sources([folder], folder / "index")
    return folder / "index"


@pytest.fixture(scope="module")
def archive(fuzz_index):
    with Archive(fuzz_index, time_limit=5.0) as archive:
        yield archive


@FUZZ
@given(queries())
def test_every_query_runs_or_is_a_query_error(archive, query):
    started = time.monotonic()
    try:
        archive.search(query, facets=["place", "year"], limit=5)
    except QueryError as error:
        assert "\n" not in str(error)
    assert time.monotonic() - started < archive.time_limit + 2.0, f"{query!r} ran past the time limit"


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(queries())
def test_every_query_from_the_command_line_is_exit_0_or_one_line_and_exit_2(fuzz_index, query):
    result = CliRunner().invoke(cli, ["search", "--index", str(fuzz_index), "--facet", "place", "--", query])
    assert result.exception is None or isinstance(result.exception, SystemExit), (query, result.exception)
    assert result.exit_code in (0, 2), (query, result.output)
    if result.exit_code == 2:
        assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("error: query")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_reader_survives_mutated_real_files(tmp_path, name):
    original = SAMPLES[name]()
    ingested = datetime.now(timezone.utc)

    @settings(max_examples=EXAMPLES // 3, deadline=None, derandomize=True)
    @given(mutated(original))
    def read_mutation(data: bytes) -> None:
        path = tmp_path / name
        path.write_bytes(data)
        for item in read_file(path, ingested):
            assert isinstance(item, (Article, SourceError))
            if isinstance(item, SourceError):
                assert "\n" not in str(item) and str(path) in str(item)

    read_mutation()
