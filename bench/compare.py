"""Two commits of Dateline on one index in one sitting: did a change make queries slower?

    .venv/bin/python bench/compare.py 4c0f086 HEAD                 # the generated 100,000-article corpus
    .venv/bin/python bench/compare.py 4c0f086 HEAD --generated 20000 --rounds 2
    .venv/bin/python bench/compare.py 7d1b625 HEAD --generated 20000 --index-each   # a new index format

The corpus is generated (bench/run.py's generator) and indexed once with the working tree; each
commit is checked out into a temporary worktree, imported from there in its own process (the
editable install's import hook removed) and timed on its own copy of the index: opening, the first
query (cold, building the caches, then with the caches on disk) and warm medians of bench/run.py's
queries. Rounds alternate the commits, so a machine that changes speed affects both alike. With
--index-each, each commit indexes the corpus with its own code (for a change of what an index
holds), and the indexing time and index size of each are printed first.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from run import QUERIES, generated_corpus  # noqa: E402

PACKAGES = ("corpus", "indexer", "search", "templates")

TIMER = """
import statistics, sys, time
sys.meta_path = [finder for finder in sys.meta_path if "editable" not in repr(finder).lower()]
sys.path.insert(0, sys.argv[1])
from run import FACETS, QUERIES  # bench/run.py's queries (it imports Dateline only inside functions)
started = time.perf_counter()
from dateline.search import Archive
archive = Archive(sys.argv[2])
opened = time.perf_counter()
archive.search("oil", limit=10)
first = time.perf_counter()
medians = []
for kind, query in QUERIES.items():
    facets = FACETS if kind == "3-facet" else ()
    for _ in range(3):
        archive.search(query, facets=facets, limit=10)
    times = []
    for _ in range(int(sys.argv[3])):
        start = time.perf_counter()
        archive.search(query, facets=facets, limit=10)
        times.append(time.perf_counter() - start)
    medians.append(f"{1000 * statistics.median(times):.1f}")
print(f"{1000 * (opened - started):.0f}", f"{1000 * (first - opened):.0f}", *medians)
"""


def package_tree(commit: str, work: Path) -> Path:
    """The commit's files laid out as the installed `dateline` package, importable from a folder."""
    checkout = work / f"checkout-{commit}"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(checkout), commit],
                   check=True)
    tree = work / f"package-{commit}"
    (tree / "dateline").mkdir(parents=True)
    for item in (checkout / "dateline").iterdir():
        (tree / "dateline" / item.name).symlink_to(item)
    for name in PACKAGES:
        (tree / "dateline" / name).symlink_to(checkout / name)
    return tree


INDEXER = """
import sys, time
sys.meta_path = [finder for finder in sys.meta_path if "editable" not in repr(finder).lower()]
sys.path.insert(0, sys.argv[1])
from dateline.indexer import index_sources
started = time.perf_counter()
index_sources([sys.argv[2]], sys.argv[3])
print(f"{time.perf_counter() - started:.1f}")
"""


def indexed(tree: Path, corpus: Path, index: Path) -> str:
    """Index the corpus with the commit's own code: seconds taken and MB written."""
    result = subprocess.run([sys.executable, "-c", INDEXER, str(tree), str(corpus), str(index)],
                            capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"})
    size = sum(f.stat().st_size for f in index.iterdir() if f.is_file() and not f.name.startswith("cache-"))
    return f"indexed in {result.stdout.strip()} s, {size / 2**20:.1f} MB"  # MB as bench/run.py counts them


def timed(tree: Path, index: Path, runs: int) -> list[str]:
    result = subprocess.run([sys.executable, "-c", TIMER, str(tree), str(index), str(runs)],
                            capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": str(ROOT / "bench"), "PATH": "/usr/bin:/bin"})
    return result.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commits", nargs=2)
    parser.add_argument("--generated", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=60, help="warm runs of each query per round")
    parser.add_argument("--index-each", action="store_true", help="each commit indexes the corpus itself")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "generated.jsonl"
        generated_corpus(corpus, args.generated)
        trees = {commit: package_tree(commit, work) for commit in args.commits}
        try:
            if args.index_each:
                for commit, tree in trees.items():
                    print(f"{commit}: {indexed(tree, corpus, work / f'own-{commit}')}")
            else:
                subprocess.run([sys.executable, "-m", "dateline", "index", str(corpus),
                                "--index", str(work / "index")], check=True, capture_output=True)
            kinds = " | ".join(f"{kind} ms" for kind in QUERIES)
            header = f"| commit | open ms | first term ms | {kinds} |"
            print(header + "\n" + "|---" * (3 + len(QUERIES)) + "|")
            for commit, tree in trees.items():  # cold: each builds its own caches
                index = work / f"index-{commit}"
                source = work / (f"own-{commit}" if args.index_each else "index")
                shutil.copytree(source, index, ignore=shutil.ignore_patterns("cache-*", "cache"))
                cold = timed(tree, index, 1)
                blanks = " | ".join("" for _ in QUERIES)
                print(f"| {commit} (cold) | {cold[0]} | {cold[1]} | {blanks} |")
            for _ in range(args.rounds):
                for commit, tree in trees.items():
                    times = " | ".join(timed(tree, work / f"index-{commit}", args.runs))
                    print(f"| {commit} | {times} |")
        finally:
            for commit in args.commits:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                str(work / f"checkout-{commit}")], check=False)


if __name__ == "__main__":
    main()
