"""Shared fixtures: paths to the project's seeds and to the real corpora in ../shared."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dateline.corpus import Article
from dateline.errors import SourceError

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("DATELINE_SHARED", ROOT.parent / "shared"))
REUTERS = SHARED / "data" / "reuters21578"
CRANFIELD = SHARED / "data" / "cranfield"
OUTPUT = Path(__file__).resolve().parent / "output"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def articles(items) -> list[Article]:
    """The articles among a reader's items."""
    return [item for item in items if isinstance(item, Article)]


def errors(items) -> list[SourceError]:
    """The errors among a reader's items."""
    return [item for item in items if isinstance(item, SourceError)]


def run_cli(
    *args: str, cwd: Path | None = None, check: bool = False, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run the installed `dateline` command as a user would, in a subprocess (a hang fails the test)."""
    result = subprocess.run(
        [sys.executable, "-m", "dateline", *args],
        capture_output=True, text=True, cwd=cwd, env={**os.environ, "COLUMNS": "120"}, timeout=timeout,
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


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "headless Chromium is needed: apt-get install chromium (.ci/run does)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    yield page
    context.close()
