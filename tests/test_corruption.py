"""The corruption suite: each kind of damage on a copy of an index. The answer is either right
(a damaged cache is rebuilt) or one line and exit status 2, never a traceback or a wrong count."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dateline.cli import cli

QUERY = ["search", "oil", "--place", "usa", "--facet", "place,topic", "--format", "json"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def flip(path: Path, count: int, seed: int) -> None:
    data = bytearray(path.read_bytes())
    rng = random.Random(seed)
    for _ in range(count):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))


def answer(index: Path) -> dict:
    result = invoke(*QUERY, "--index", str(index))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    return {"total": data["total"], "ids": [h["id"] for h in data["hits"]],
            "scores": [h["score"] for h in data["hits"]], "facets": data["facets"]}


def assert_one_line_corrupt(result) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "corrupt" in lines[0], result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory, reuters) -> tuple[Path, dict]:
    """One Reuters file indexed, its caches written by a first query, and that query's answer."""
    folder = tmp_path_factory.mktemp("corruption")
    shutil.copy(reuters / "reut2-003.sgm", folder / "reut2-003.sgm")
    index = folder / "index"
    assert invoke("index", str(folder / "reut2-003.sgm"), "--index", str(index)).exit_code == 0
    return index, answer(index)


@pytest.fixture
def damaged(tmp_path, built) -> tuple[Path, dict]:
    index, expected = built
    copy = tmp_path / "index"
    shutil.copytree(index, copy)
    return copy, expected


@pytest.mark.parametrize("damage", ["truncated", "bit-flipped", "empty", "another field's"])
def test_a_damaged_or_foreign_cache_is_rebuilt_not_trusted(damaged, damage):
    index, expected = damaged
    cache = next(index.glob("cache/*-facet-place.arrays"))
    if damage == "truncated":
        cache.write_bytes(cache.read_bytes()[:500])
    elif damage == "bit-flipped":
        flip(cache, 50, seed=1)
    elif damage == "empty":
        cache.write_bytes(b"")
    else:
        shutil.copy(next(index.glob("cache/*-facet-topic.arrays")), cache)
    assert answer(index) == expected
    assert answer(index) == expected, "the rebuilt cache is right too"


@pytest.mark.parametrize("seed", range(6))
def test_a_damaged_segment_is_one_line_and_exit_2(damaged, seed):
    index, _ = damaged
    for segment in index.glob("*.seg"):
        flip(segment, 2000, seed)
    for command in (QUERY, ["search", "title:cocoa"], ["search", '"oil prices"'], ["stats"], ["check"]):
        assert_one_line_corrupt(invoke(*command, "--index", str(index)))
    site = invoke("site", str(index.parent / "site"), "--index", str(index), "--no-search")
    assert_one_line_corrupt(site)


def test_check_finds_damage_that_reads_without_error(damaged):
    index, expected = damaged
    assert invoke("check", "--index", str(index)).output.startswith("ok: ")
    flip(next(index.glob("*.seg")), 3, seed=9)
    assert_one_line_corrupt(invoke("check", "--index", str(index)))


@pytest.mark.parametrize("damage", ["truncated segment", "damaged table of contents", "missing segment"])
def test_other_damage_is_one_line(damaged, damage):
    index, _ = damaged
    segment = next(index.glob("*.seg"))
    if damage == "truncated segment":
        segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])
    elif damage == "damaged table of contents":
        flip(next(index.glob("*.toc")), 200, seed=2)
    else:
        segment.unlink()
    result = invoke(*QUERY, "--index", str(index))
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
