"""The long fuzz run: the test suite's query and source strategies, many more times, with counts.

    .venv/bin/python bench/fuzz.py                      # 2,000 queries, 300 mutations of each sample
    .venv/bin/python bench/fuzz.py --queries 200 --files 30

A failure is a query that raised anything but QueryError or ran past its time limit, or a mutated
source whose reading raised instead of yielding a SourceError. Each kind is printed once with an example.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dateline.corpus import Article, read_file  # noqa: E402
from dateline.errors import QueryError, SourceError  # noqa: E402
from dateline.indexer import index_sources  # noqa: E402
from dateline.search import Archive  # noqa: E402
from tests.conftest import SEEDS, SHARED  # noqa: E402
from tests.fuzzing import mutated, queries  # noqa: E402
from tests.test_fuzz import SAMPLES  # noqa: E402

TIME_LIMIT = 5.0


def fuzz_queries(archive: Archive, count: int) -> tuple[int, Counter, dict[str, str], float]:
    failures: Counter = Counter()
    examples: dict[str, str] = {}
    tried = 0
    slowest = 0.0

    @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(queries())
    def run(query: str) -> None:
        nonlocal tried, slowest
        tried += 1
        started = time.monotonic()
        try:
            archive.search(query, facets=["place", "year"], limit=5)
        except QueryError:
            pass
        except Exception as exc:  # what the test suite asserts never happens
            kind = f"{type(exc).__name__}: {str(exc)[:80]}"
            failures[kind] += 1
            examples.setdefault(kind, query)
        elapsed = time.monotonic() - started
        slowest = max(slowest, elapsed)
        if elapsed > TIME_LIMIT + 2:
            failures["past the time limit"] += 1
            examples.setdefault("past the time limit", query)

    run()
    return tried, failures, examples, slowest


def fuzz_sources(count: int, folder: Path) -> tuple[int, Counter, dict[str, str]]:
    failures: Counter = Counter()
    examples: dict[str, str] = {}
    tried = 0
    ingested = datetime.now(timezone.utc)
    def reader_run(name: str, data_strategy):
        @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(data_strategy)
        def run(data: bytes) -> None:
            nonlocal tried
            tried += 1
            path = folder / name
            path.write_bytes(data)
            try:
                for item in read_file(path, ingested):
                    assert isinstance(item, (Article, SourceError))
            except Exception as exc:
                kind = f"{name}: {type(exc).__name__}: {str(exc)[:80]}"
                failures[kind] += 1
                examples.setdefault(kind, f"{len(data)} bytes")
        return run

    for name, sample in SAMPLES.items():
        reader_run(name, mutated(sample()))()
    return tried, failures, examples


def peak_memory(path: Path) -> float:
    """Peak resident memory (MB) of `dateline read PATH` as its own process (VmHWM of the child)."""
    script = ("import resource, subprocess, sys;"
              " subprocess.run([sys.executable, '-m', 'dateline', 'read', sys.argv[1]],"
              " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
              " print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                         check=True)
    return int(out.stdout) / 1024


def measure_memory(folder: Path) -> None:
    """A single-line source too large to be an article is refused before it is parsed."""
    sentence = "the ministry said on sunday that prices of oil and grain rose in the third quarter "
    for name, megabytes in (("tiny.txt", 0.001), ("largest-article.txt", 15), ("single-line.txt", 100)):
        path = folder / name
        path.write_text("TEHRAN - " + sentence * int(megabytes * 2**20 / len(sentence)))
        print(f"  dateline read, {megabytes:g} MB on one line: peak {peak_memory(path):.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--files", type=int, default=300, help="mutations of each sample file")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy(SHARED / "data" / "reuters21578" / "reut2-005.sgm", folder)
        shutil.copy(next(SEEDS.glob("*.txt")), folder)
        shutil.copy(SHARED / "data" / "fars-news" / "fars-news.jsonl", folder / "fars.jsonl")
        index_sources([folder], folder / "index")
        with Archive(folder / "index", time_limit=TIME_LIMIT) as archive:
            started = time.monotonic()
            tried, failures, examples, slowest = fuzz_queries(archive, args.queries)
            print(f"queries: {tried} tried, {sum(failures.values())} failed "
                  f"in {time.monotonic() - started:.0f} s "
                  f"(slowest {slowest:.2f} s, time limit {TIME_LIMIT:g} s)")
        for kind, number in failures.most_common():
            print(f"  {number:5} {kind}   e.g. {examples[kind]!r}")
        mutations = folder / "mutations"
        mutations.mkdir()
        started = time.monotonic()
        tried, failures, examples = fuzz_sources(args.files, mutations)
        print(f"sources: {tried} mutated files tried, {sum(failures.values())} failed "
              f"in {time.monotonic() - started:.0f} s")
        for kind, number in failures.most_common():
            print(f"  {number:5} {kind}   e.g. {examples[kind]}")
        print("memory:")
        measure_memory(mutations)


if __name__ == "__main__":
    main()
