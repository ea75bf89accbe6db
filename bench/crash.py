"""The long crash and corruption runs: the test suite's checks, many more times, on all of Reuters.

    .venv/bin/python bench/crash.py                     # 20 kills of index, 6 of site, 60 damaged copies
    .venv/bin/python bench/crash.py --kills 4 --damage 10

Kills: `dateline index` (commits every 2,000 articles) and `dateline site` are SIGKILLed at random
moments; after each, the run's processes must be gone and stats must answer; at the end a re-run must
hold every article exactly once. Damage: copies of the index with flipped bytes in a segment, a TOC
or a cache; each query must give the right answer or one line and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import REUTERS  # noqa: E402
from tests.test_corruption import flip  # noqa: E402
from tests.test_crash import _group_members, _kill_after  # noqa: E402

QUERIES = [["oil", "--place", "usa", "--facet", "place,topic"], ["title:cocoa"], ['"oil prices"'], ["stats"]]


def dateline(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dateline", *args], capture_output=True, text=True, env=env)


def articles(index: Path) -> int | None:
    stats = dateline("stats", "--index", str(index))
    return int(stats.stdout.split()[0]) if stats.returncode == 0 else None


def kills(folder: Path, count: int, sites: int, rng: random.Random) -> None:
    env = {**os.environ, "DATELINE_COMMIT_EVERY": "2000"}
    index = folder / "index"
    leftovers = unreadable = 0
    started = time.monotonic()
    for _ in range(count):
        command = ["index", str(REUTERS), "--index", str(index), "--wait", "60"]
        killed = _kill_after(command, rng.uniform(0.3, 25), env)
        deadline = time.monotonic() + 10
        while _group_members(killed.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        leftovers += bool(_group_members(killed.pid))
        if index.exists() and any(index.glob("*.toc")) and articles(index) is None:
            unreadable += 1
    dateline("index", str(REUTERS), "--index", str(index), env=env)
    total = articles(index)
    ids = set()
    for page in range(1, 21):
        result = dateline("search", "--index", str(index), "--format", "json", "--limit", "1000",
                          "--page", str(page))
        ids |= {hit["id"] for hit in json.loads(result.stdout)["hits"]}
    print(f"index kills: {count} tried, {leftovers} left processes behind, "
          f"{unreadable} left an unreadable index; "
          f"after a re-run {total} articles, {len(ids)} distinct ids ({time.monotonic() - started:.0f} s)")
    site_leftovers = 0
    for _ in range(sites):
        command = ["site", str(folder / "site"), "--index", str(index)]
        killed = _kill_after(command, rng.uniform(1, 30), dict(os.environ))
        time.sleep(2)
        site_leftovers += bool(_group_members(killed.pid))
    rebuilt = dateline("site", str(folder / "site"), "--index", str(index), "--no-search")
    print(f"site kills: {sites} tried, {site_leftovers} left processes behind; "
          f"rebuild exit {rebuilt.returncode}, "
          f"{len(list((folder / 'site' / 'articles').glob('*.html')))} article pages")


def damage(folder: Path, count: int, rng: random.Random) -> None:
    index = folder / "index"
    expected = {tuple(q): dateline("search", *q, "--index", str(index), "--format", "json").stdout
                for q in QUERIES if q[0] != "stats"}
    outcomes = {"right answer": 0, "one line, exit 2": 0, "traceback": 0, "wrong answer": 0}
    started = time.monotonic()
    for trial in range(count):
        copy = folder / "damaged"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(index, copy)
        targets = [file for pattern in ("*.seg", "*.toc", "cache/*.arrays")
                   for file in sorted(copy.glob(pattern))]
        target = targets[trial % len(targets)]
        flip(target, rng.choice([1, 10, 200, 2000]), seed=trial)
        for query in QUERIES:
            args = [*query, "--index", str(copy)] if query[0] == "stats" else \
                ["search", *query, "--index", str(copy), "--format", "json"]
            result = dateline(*args)
            if "Traceback" in result.stderr:
                outcomes["traceback"] += 1
            elif result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1:
                outcomes["one line, exit 2"] += 1
            elif query[0] == "stats" or result.stdout == expected[tuple(query)]:
                outcomes["right answer"] += 1
            else:
                outcomes["wrong answer"] += 1
    summary = ", ".join(f"{number} {outcome}" for outcome, number in outcomes.items())
    print(f"damage: {count} damaged copies x {len(QUERIES)} commands: {summary} "
          f"({time.monotonic() - started:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--sites", type=int, default=6)
    parser.add_argument("--damage", type=int, default=60)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        kills(folder, args.kills, args.sites, rng)
        damage(folder, args.damage, rng)


if __name__ == "__main__":
    main()
