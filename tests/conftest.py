"""Shared fixtures: paths to the project's seeds and to the real corpora in ../shared."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from dateline.cli import cli
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


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, check: bool = False, process: bool = False, timeout: float = 300) -> Ran:
    """Run a `dateline` command through click's CliRunner; with `process`, as a real process of the
    installed command (where the process itself matters: pipes, ports, signals), a hang failing the test."""
    if process:
        done = subprocess.run([sys.executable, "-m", "dateline", *args], capture_output=True, text=True,
                              env={**os.environ, "COLUMNS": "120"}, timeout=timeout)
        result = Ran(done.returncode, done.stdout, done.stderr)
    else:
        invoked = CliRunner().invoke(cli, list(args), terminal_width=120)
        if invoked.exception is not None and not isinstance(invoked.exception, SystemExit):
            raise invoked.exception
        result = Ran(invoked.exit_code, invoked.stdout, invoked.stderr)
    if check and result.returncode != 0:
        raise AssertionError(f"dateline {' '.join(args)} failed: {result.stderr}")
    return result


def file_size_limit(limit: int):
    """For a child process (preexec_fn) that may write no file larger than `limit` bytes: a full disk, as
    a writer sees it."""
    def apply() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


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
    assert result.returncode == 0, result.stderr  # the collection's word lists are passed over, with a note
    assert "20000 added" in result.stderr and "6 passed over, 0 sources failed" in result.stderr
    return index


@contextmanager
def built_once(tmp_path_factory, name: str) -> Iterator[tuple[Path, bool]]:
    """A folder that the test run's xdist workers share: the first to get here builds it (yields
    its path and True) while the others wait, then find it built (False). The Reuters site, 310 MB
    and a minute of CPU, was built by each worker: CI's /tmp filled."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = shared / f"{name}.built"
        yield shared / name, not built.exists()
        built.touch()


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


def pytest_collection_modifyitems(items) -> None:
    """The Spark tests first: they are the longest, so the other worker's share of the rest balances them
    instead of one worker running them alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("spark") is None)
