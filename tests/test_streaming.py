"""Large sources: a JSON Lines file is read in parts, in memory that does not grow with the file, and
indexed with commits inside it, so a run killed in the middle of the file goes on from its last commit."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from dateline.corpus.sources import file_parts, read_file, read_part
from dateline.errors import SourceError
from dateline.indexer import index_sources
from dateline.indexer.engine.store import RESUME, Resume, Store
from dateline.search import Archive

from .conftest import run_cli

WORDS = ("oil prices market said government bank rates trade exports shares cocoa grain wheat tonnes "
         "minister talks strike port harvest").split()


def _json_lines(path: Path, count: int, words: int, bad_lines: tuple[int, ...] = ()) -> None:
    rng = random.Random(count)
    with path.open("w", encoding="utf-8", newline="") as out:
        for number in range(1, count + 1):
            if number in bad_lines:
                out.write("{not json\r\n")
                continue
            body = " ".join(rng.choice(WORDS) for _ in range(words))
            record = {"id": f"a{number}", "title": f"Story {number} {rng.choice(WORDS)}", "body": f"{body}.",
                      "agency": "Reuters", "published": f"2020-01-{1 + number % 28:02d}"}
            out.write(json.dumps(record) + ("\r\n" if number % 7 == 0 else "\n"))


def test_a_file_read_in_parts_gives_what_reading_it_whole_gives(tmp_path):
    path = tmp_path / "export.jsonl"
    _json_lines(path, 400, 30, bad_lines=(2, 150, 400))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # a byte-order mark before line 1
    parts = list(file_parts(path, part_bytes=4096))
    assert len(parts) > 10 and parts[-1].last and not any(part.last for part in parts[:-1])
    assert [part.start for part in parts[1:]] == [part.end for part in parts[:-1]]
    assert [part.line for part in parts[1:]] == [part.next_line for part in parts[:-1]]
    whole = _described(read_file(path))
    assert _described(item for part in parts for item in read_part(path, part)) == whole
    assert [item for item in whole if item.startswith("error")] == [
        f"error {path}:line {number}: malformed JSON" for number in (2, 150, 400)]
    # going on from a part's start, as a resumed run does, gives the rest of the file's lines
    rest = file_parts(path, parts[5].start, parts[5].line, part_bytes=5000)
    assert _described(item for part in rest for item in read_part(path, part)) == \
        _described(item for part in parts[5:] for item in read_part(path, part))


def _described(items) -> list[str]:
    return [f"error {str(item).split(': malformed')[0]}: malformed JSON" if isinstance(item, SourceError)
            else f"{item.id} line {item.provenance.offset} {item.provenance.checksum}" for item in items]


def _peak_mb(*args: str) -> float:
    """The peak memory of a `dateline` process (the largest of it and its children), in MB."""
    probe = ("import resource, subprocess, sys; "
             "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "dateline", *args],
                         capture_output=True, text=True, check=True, timeout=300)
    return int(out.stdout) / 1024


def test_a_large_json_lines_file_is_read_in_bounded_memory(tmp_path):
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    _json_lines(small, 1_000, 1_500)
    _json_lines(large, 6_000, 1_500)
    size_mb = large.stat().st_size / 2**20
    assert size_mb > 50
    small_peak = _peak_mb("read", str(small), "--format", "jsonl")
    large_peak = _peak_mb("read", str(large), "--format", "jsonl")
    # six times the file, the same memory: read whole, the large file alone would add its own size
    assert large_peak < small_peak + 25, (small_peak, large_peak, size_mb)


def _stats_count(index: Path) -> int:
    return json.loads(run_cli("stats", "--index", str(index), "--format", "json", check=True).stdout)["articles"]


def _committed_in_part(index: Path) -> bool:
    """A commit has landed that leaves a file in part."""
    try:
        return bool(json.loads((index / RESUME).read_text())["committed"])
    except (OSError, ValueError, KeyError):
        return False


def test_a_run_killed_inside_a_file_goes_on_from_its_last_commit(tmp_path):
    source, index = tmp_path / "wire.jsonl", tmp_path / "index"
    _json_lines(source, 3_000, 40)
    env = {**os.environ, "DATELINE_COMMIT_EVERY": "200", "DATELINE_PART_BYTES": "32768"}
    run = subprocess.Popen([sys.executable, "-m", "dateline", "index", str(source), "--index", str(index)],
                           env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not _committed_in_part(index) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(random.uniform(0, 0.5))  # anywhere between two commits
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL, "the run ended before it could be killed inside the file"

    committed = _stats_count(index)
    assert 0 < committed < 3_000
    assert run_cli("search", "story", "--index", str(index), check=True).stdout.startswith("1-10 of ")

    again = run_cli("index", str(source), "--index", str(index), process=True)
    assert again.returncode == 0, again.stderr
    assert f"{3_000 - committed} added, 0 updated, 0 unchanged, 0 removed; 1 files read (1 resumed " \
           "from the last commit)" in again.stderr
    assert not (index / RESUME).exists()
    with Archive(index) as archive:
        ids = [article.id for article, _ in archive.export()]
    assert len(ids) == len(set(ids)) == 3_000
    assert "0 added" in run_cli("index", str(source), "--index", str(index), check=True).stderr


def test_a_commit_that_did_not_land_is_not_taken_for_one(tmp_path):
    """The list of files committed in part is written before its commit; a kill between the two must
    leave the list of the last commit that did land."""
    index = tmp_path / "index"
    store = Store(index)
    store.writer(1, 1).commit({"/a.jsonl|1|1": Resume(100, 9)})
    generation = store.ix.latest_generation()
    record = {"committed": {"/a.jsonl|1|1": [100, 9]}, "pending": {"/a.jsonl|1|1": [200, 17]}}

    (index / RESUME).write_text(json.dumps({**record, "generation": generation + 1}))
    writer = Store(index).writer(1, 1)
    assert writer.store.resume == {"/a.jsonl|1|1": Resume(100, 9)}
    writer.cancel()

    (index / RESUME).write_text(json.dumps({**record, "generation": generation}))
    writer = Store(index).writer(1, 1)
    assert writer.store.resume == {"/a.jsonl|1|1": Resume(200, 17)}
    writer.commit({})
    assert not (index / RESUME).exists()


def test_prune_forgets_a_file_committed_in_part_that_is_gone(tmp_path):
    index, source = tmp_path / "index", tmp_path / "kept.jsonl"
    _json_lines(source, 3, 20)
    Store(index).writer(1, 1).commit({f"{tmp_path / 'gone.jsonl'}|10|10": Resume(100, 9)})
    index_sources([source], index)
    assert json.loads((index / RESUME).read_text())["committed"], "without --prune it is kept"
    index_sources([source], index, prune=True)
    assert not (index / RESUME).exists()


def test_a_file_gone_between_listing_and_reading_is_one_source_error(tmp_path, monkeypatch):
    from dateline.indexer import incremental

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    _json_lines(corpus / "kept.jsonl", 3, 20)
    _json_lines(corpus / "gone.jsonl", 3, 20)
    signed = incremental.file_signature

    def vanishing(path, mapping):
        if path.name == "gone.jsonl":
            raise FileNotFoundError(2, "No such file or directory")
        return signed(path, mapping)

    monkeypatch.setattr(incremental, "file_signature", vanishing)
    report = index_sources([corpus], index)
    assert [str(error) for error in report.failed] == [
        f"{corpus / 'gone.jsonl'}: cannot read: No such file or directory"]
    assert report.added == 3 and report.files_read == 1
