"""The crash suite: SIGKILL `dateline index` and `dateline site` at random moments, then look.

After every kill: no process of the killed run is left, `stats` and `search` answer (an index with
nothing committed reads as empty), and a re-run ends with every article exactly once. And a disk that
fills: one line, the space given back, and a re-run with room goes on.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import file_size_limit, run_cli

FILES = ("reut2-000.sgm", "reut2-001.sgm", "reut2-002.sgm")
ARTICLES = 3000


def _group_members(pgid: int) -> list[int]:
    """Processes still alive in a process group (zombies are dead)."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


def _kill_after(args: list[str], delay: float, env: dict[str, str]) -> subprocess.Popen:
    """Start a command in its own process group, wait until it has children (or delay passes), kill -9 it."""
    process = subprocess.Popen([sys.executable, "-m", "dateline", *args], env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return process


def _assert_no_leftovers(pgid: int) -> None:
    deadline = time.monotonic() + 10
    while _group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _group_members(pgid) == [], "worker processes outlived the killed command"


def _count(index: Path) -> int:
    stats = run_cli("stats", "--index", str(index))
    assert stats.returncode == 0 and "Traceback" not in stats.stderr, stats.stderr
    return int(re.match(r"(\d+) articles", stats.stdout).group(1))


@pytest.fixture
def small_reuters(tmp_path, reuters) -> Path:
    folder = tmp_path / "reuters"
    folder.mkdir()
    for name in FILES:
        shutil.copy(reuters / name, folder / name)
    return folder


@pytest.mark.slow
def test_killed_index_runs_leave_no_process_and_resume_exactly(tmp_path, small_reuters):
    env = {**os.environ, "DATELINE_COMMIT_EVERY": "1000"}
    rng = random.Random(17)
    # Before anything is committed, around the first commit, and mid-run (a full run takes a few seconds).
    delays = [0.6, rng.uniform(1.0, 2.0), rng.uniform(2.0, 4.0), rng.uniform(3.0, 6.0)]
    index = tmp_path / "index"
    for delay in delays:
        killed = _kill_after(["index", str(small_reuters), "--index", str(index), "--wait", "30"], delay, env)
        _assert_no_leftovers(killed.pid)
        if index.exists() and any(index.glob("*.toc")):
            committed = _count(index)
            assert committed % 1000 == 0 and committed <= ARTICLES, "commits happen at file boundaries"
            search = run_cli("search", "oil", "--index", str(index), "--facet", "place")
            assert search.returncode == 0, search.stderr
    rerun = run_cli("index", str(small_reuters), "--index", str(index), "--wait", "30")
    assert rerun.returncode == 0, rerun.stderr
    assert _count(index) == ARTICLES
    ids = set()
    for number in (1, 2, 3):
        page = run_cli("search", "--index", str(index), "--format", "json", "--limit", "1000", "--page", str(number))
        ids |= {hit["id"] for hit in json.loads(page.stdout)["hits"]}
    assert len(ids) == ARTICLES, "every article exactly once after resuming"

@pytest.mark.slow
def test_killed_site_build_leaves_no_process_and_rebuilds(tmp_path, small_reuters):
    index, out = tmp_path / "index", tmp_path / "site"
    run_cli("index", str(small_reuters), "--index", str(index), check=True)
    for delay in (1.0, 4.0):
        killed = _kill_after(["site", str(out), "--index", str(index)], delay, dict(os.environ))
        _assert_no_leftovers(killed.pid)
    rebuilt = run_cli("site", str(out), "--index", str(index), "--no-search")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert len(list((out / "articles").glob("*.html"))) == ARTICLES
    assert not list(out.rglob("*.tmp")), "a killed build's temporary files are not left as pages"


@pytest.mark.slow
def test_a_write_that_fails_is_one_line_and_loses_nothing_committed(tmp_path, small_reuters):
    index = tmp_path / "index"
    first = small_reuters / FILES[0]
    run_cli("index", str(first), "--index", str(index), check=True)
    assert _count(index) == 1000
    first.write_bytes(first.read_bytes().replace(b"Reuter\n&#3;", b"Reuters\n&#3;", 5))  # an update
    failed = subprocess.run([sys.executable, "-m", "dateline", "index", str(small_reuters), "--index", str(index)],
                            preexec_fn=file_size_limit(3_000_000), capture_output=True, text=True, timeout=300)
    errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert failed.returncode == 2 and "Traceback" not in failed.stderr, failed.stderr
    assert len(errors) == 1 and "cannot write the index" in errors[0] and "keeps its last commit" in errors[0]
    assert _count(index) == 1000, "the changed file's old articles are still there"
    assert run_cli("check", "--index", str(index)).returncode == 0
    resumed = run_cli("index", str(small_reuters), "--index", str(index))
    assert resumed.returncode == 0 and _count(index) == ARTICLES


def _on_a_small_disk(script: str, tmp_path: Path, **paths: Path) -> subprocess.CompletedProcess:
    """Run a shell script with a real small disk: $DISK is a tmpfs mounted in a mount namespace of the
    test's own (the script sets its size and can enlarge it); `dateline` runs this checkout's CLI."""
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("this machine gives a test no mount namespace of its own")
    (tmp_path / "disk").mkdir()
    env = {**os.environ, "PYTHON": sys.executable, "DISK": str(tmp_path / "disk"),
           **{name.upper(): str(path) for name, path in paths.items()}}
    script = 'dateline() { "$PYTHON" -m dateline "$@"; }\n' + script
    run = subprocess.run(["unshare", "-rm", "sh", "-c", script], env=env, capture_output=True, text=True,
                         timeout=300)
    assert "Traceback" not in run.stderr, run.stderr
    return run


FULL_DISK_INDEX = """
mount -t tmpfs -o size=64m tmpfs "$DISK"
used() { echo "used $(du -sk "$DISK/index" | cut -f1)"; }
dateline index "$FIRST" --index "$DISK/index" && used
mount -o remount,size=$(( $(df -k --output=used "$DISK" | tail -1) + 4096 ))k "$DISK"  # 4 MB left
dateline index "$SOURCES" --index "$DISK/index"; echo "exit $?"; used
dateline stats --index "$DISK/index"
dateline check --index "$DISK/index" >/dev/null && echo "check ok"
mount -o remount,size=64m "$DISK"
dateline index "$SOURCES" --index "$DISK/index" >/dev/null && dateline stats --index "$DISK/index"
"""


@pytest.mark.slow
def test_a_full_disk_is_one_line_gives_its_space_back_and_loses_nothing(tmp_path, small_reuters):
    """A real full disk: closing the cancelled run's files fails there too, which once ended the run
    in a traceback with its files left behind. (The first run has room, the second 4 MB: with one
    12 MB disk for both, a test run on a loaded machine once printed the error twice.)"""
    run = _on_a_small_disk(FULL_DISK_INDEX, tmp_path, first=small_reuters / FILES[0], sources=small_reuters)
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {tmp_path}/disk/index: cannot write the index (No space left on device); "
                      "it keeps its last commit"], run.stderr
    lines = run.stdout.splitlines()
    assert "exit 2" in lines and "check ok" in lines
    before, after = (int(line.split()[1]) for line in lines if line.startswith("used "))
    assert after <= before + 64, "the cancelled run's files are deleted"
    counts = [int(line.split()[0]) for line in lines if " articles, " in line]
    assert counts == [1000, ARTICLES], run.stdout


FULL_DISK_SITE = """
mount -t tmpfs -o size=3m tmpfs "$DISK"
dateline site "$DISK/site" --index "$INDEX" --no-search; echo "exit $?"
echo "half-written $(find "$DISK" -name '*.tmp' | wc -l)"
mount -o remount,size=64m "$DISK"
dateline site "$DISK/site" --index "$INDEX" --no-search
"""


def test_a_site_build_on_a_full_disk_is_one_line_and_goes_on_after(tmp_path, small_reuters):
    index = tmp_path / "index"
    run_cli("index", str(small_reuters / FILES[0]), "--index", str(index), check=True)
    run = _on_a_small_disk(FULL_DISK_SITE, tmp_path, index=index)
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {tmp_path}/disk/site: cannot write the site (No space left on device); "
                      "the pages written so far are kept and the next build goes on from them"], run.stderr
    assert "exit 2" in run.stdout and "half-written 0" in run.stdout
    written, unchanged = map(int, re.search(r"(\d+) pages written, (\d+) unchanged", run.stderr).groups())
    assert unchanged > 100 and written > 100, "the second build keeps the first one's pages"


def test_a_cancelled_writer_stops_its_writer_processes(tmp_path):
    """A run stopped before its commit (a sub-writer failed, a write failed) cancels its writer:
    the sub-writers waiting for work must end with it, or the command's exit waits for them."""
    from dateline.corpus import Article, read_sources
    from dateline.indexer.document import document_from_article
    from dateline.indexer.engine.store import Store

    source = tmp_path / "stories.jsonl"
    source.write_text("".join(json.dumps({"title": f"Story {n}", "body": f"Cocoa story number {n}."}) + "\n"
                              for n in range(250)))
    writer = Store(tmp_path / "index").writer(10.0, 2)
    for article in read_sources([source]):
        assert isinstance(article, Article)
        writer.add(document_from_article(article, str(source), "sig", article.id, b""))
    tasks = writer._writer.tasks
    assert len(tasks) == 2 and all(task.is_alive() for task in tasks), "both sub-writers at work"
    started = time.monotonic()
    writer.cancel()
    assert not any(task.is_alive() for task in tasks) and time.monotonic() - started < 10


@pytest.mark.slow
def test_searches_during_a_first_index_run_answer(tmp_path, small_reuters):
    index = tmp_path / "index"
    env = {**os.environ, "DATELINE_COMMIT_EVERY": "1000"}
    indexing = subprocess.Popen([sys.executable, "-m", "dateline", "index", str(small_reuters), "--index", str(index)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    answers = []
    while indexing.poll() is None and len(answers) < 40:
        if index.exists():
            search = run_cli("search", "oil", "--index", str(index), "--facet", "place")
            answers.append((search.returncode, search.stdout.split(" ", 1)[0], search.stderr))
    indexing.wait(timeout=300)
    assert answers, "the index run ended before any search was made"
    for status, _, stderr in answers:
        assert "Traceback" not in stderr and status in (0, 2), stderr  # 2: no table of contents written yet
        assert status == 0 or "no index at" in stderr or "not a Dateline index" in stderr, stderr
    assert answers[-1][0] == 0
