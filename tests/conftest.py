"""Shared fixtures: paths to the project's seeds and to the real corpora in ../shared."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("DATELINE_SHARED", ROOT.parent / "shared"))
REUTERS = SHARED / "data" / "reuters21578"
CRANFIELD = SHARED / "data" / "cranfield"
OUTPUT = Path(__file__).resolve().parent / "output"


def run_cli(*args: str, cwd: Path | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """Run the installed `dateline` command as a user would, in a subprocess."""
    result = subprocess.run(
        [sys.executable, "-m", "dateline", *args],
        capture_output=True, text=True, cwd=cwd, env={**os.environ, "COLUMNS": "120"},
    )
    if check and result.returncode != 0:
        raise AssertionError(f"dateline {' '.join(args)} failed: {result.stderr}")
    return result


@pytest.fixture(scope="session")
def reuters() -> Path:
    if not REUTERS.is_dir():
        pytest.fail(f"the Reuters-21578 corpus is expected at {REUTERS}")
    return REUTERS


@pytest.fixture(scope="session")
def reuters_index(tmp_path_factory, reuters) -> Path:
    """The whole Reuters-21578 corpus indexed once per test session, through the CLI."""
    index = tmp_path_factory.mktemp("reuters") / "index"
    result = run_cli("index", str(reuters), "--index", str(index))
    assert result.returncode == 1, result.stderr  # the collection's word lists are reported as skipped
    assert "20000 added" in result.stderr
    return index
