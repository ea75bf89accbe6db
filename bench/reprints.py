"""How right the reprint groups are, on Reuters article pairs labelled by hand.

    python bench/reprints.py [--index DIR]    # default: indexes Reuters-21578 (../shared) into a temp folder
    python bench/reprints.py --memory 200000  # memory a story of the detector, beside datasketch's LSH

The pairs (bench/reprint_pairs.tsv) come from every pair of Reuters articles whose bodies share 30% or
more of their word 5-grams, or that some detector put in one group: the universe of pairs a reprint
detector has to decide. They were drawn at random within strata and labelled by reading both
articles: "same story" when one is a repeat, correction, or longer or shorter version of the other;
"different" for another company's notice in the same words, another day's report, another snapshot
of a market. Two samples:

- dev (200 pairs): drawn first, by what the earlier detectors did (both joined, only the words-alone
  rule joined, neither); Dateline's checks (dates, tickers, headline numbers, facts kept, containment)
  were chosen looking at these, so its figures on them are in-sample.
- test (120 pairs): drawn afterwards from the pairs not in dev, half from those the current rule joins
  and half from the rest, and labelled without seeing which half a pair came from.

Precision and recall are estimated per sample with each stratum weighted by its size in the universe
(the `# stratum` lines); pairs outside the universe are not judged. The
peer is the usual near-duplicate recipe, measured in the same run: MinHash LSH over the same 5-grams
at Jaccard 0.7, with nothing else checked (what Dateline did before).

`--memory N` measures what the detector keeps in memory while N generated articles (bench/run.py's
generator) are assigned to groups, each in its own process: the growth of resident memory from
before the first article to after the last, over N, beside datasketch's MinHashLSH with the same
21 bands of 3 (which keeps only the bands; a detector also needs the signatures of its candidates).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REUTERS = ROOT.parent / "shared" / "data" / "reuters21578"
PAIRS = Path(__file__).with_name("reprint_pairs.tsv")

Pair = tuple[int, int]


@dataclass(frozen=True)
class Labelled:
    sample: str
    stratum: str
    pair: Pair
    same: bool


def labelled_pairs(path: Path = PAIRS) -> tuple[list[Labelled], dict[tuple[str, str], int]]:
    """The labelled pairs and the size of each (sample, stratum) in the universe."""
    sizes, rows = {}, []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("# stratum\t"):
                _, sample, stratum, size = line.rstrip("\n").split("\t")
                sizes[sample, stratum] = int(size)
            elif not line.startswith("#"):
                rows.append(line)
    labelled = [Labelled(row["sample"], row["stratum"], (int(row["newid"]), int(row["other_newid"])),
                         row["same_story"] == "1") for row in csv.DictReader(rows, delimiter="\t")]
    return labelled, sizes


@dataclass(frozen=True)
class Figures:
    groups: int  # of two copies or more
    pairs: int  # joined: two copies of one group
    dev: tuple[float, float, int]  # precision, recall, pairs judged
    test: tuple[float, float, int]


def figures(groups: dict[int, str], labelled: list[Labelled], sizes: dict[tuple[str, str], int]) -> Figures:
    members = defaultdict(list)
    for newid, group in groups.items():
        members[group].append(newid)
    joined = {(a, b) for copies in members.values() for a, b in itertools.combinations(sorted(copies), 2)}
    return Figures(sum(len(copies) > 1 for copies in members.values()), len(joined),
                   estimate(joined, labelled, sizes, "dev"), estimate(joined, labelled, sizes, "test"))


def index_groups(index: Path) -> dict[int, str]:
    """NEWID -> reprint group of every Reuters article in a group of two or more."""
    from dateline.search.archive import Archive

    with Archive(index) as archive:
        _, groups = archive.reprint_groups(limit=None)
        return {int(copy.provenance.record.split(":")[1]): group.group
                for group in groups for copy in archive.reprints(group.group)}


def words_alone_groups(corpus: Path) -> dict[int, str]:
    """The peer: MinHash LSH at Jaccard 0.7 over Dateline's own 5-grams, joining the first candidate."""
    from datasketch import MinHash, MinHashLSH

    from dateline.corpus.article import Article
    from dateline.corpus.sources import read_sources
    from dateline.indexer.reprints import NUM_PERM, SCHEME, shingles

    lsh, groups = MinHashLSH(threshold=0.7, num_perm=NUM_PERM), {}
    for article in read_sources([corpus]):
        if not isinstance(article, Article) or article.provenance.record is None:
            continue
        grams = shingles(article.body)
        if len(grams) < 3:
            continue
        newid = int(article.provenance.record.split(":")[1])
        minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
        minhash.update_batch(list(grams))
        candidates = sorted(lsh.query(minhash))
        groups[newid] = groups[candidates[0]] if candidates else str(newid)
        lsh.insert(newid, minhash)
    return groups


def estimate(joined: set[Pair], labelled: Iterable[Labelled], sizes: dict[tuple[str, str], int],
             sample: str) -> tuple[float, float, int]:
    """Stratum-weighted precision and recall of a detector's joined pairs on one sample, and how
    many of its pairs were judged."""
    rows = [row for row in labelled if row.sample == sample]
    drawn = defaultdict(int)
    for row in rows:
        drawn[row.stratum] += 1
    right = wrong = missed = 0.0
    for row in rows:
        weight = sizes[sample, row.stratum] / drawn[row.stratum]
        together = tuple(sorted(row.pair)) in joined
        right += weight * (together and row.same)
        wrong += weight * (together and not row.same)
        missed += weight * (row.same and not together)
    precision = right / (right + wrong) if right + wrong else 0.0
    return precision, right / (right + missed) if right + missed else 0.0, len(rows)


def report(index: Path, corpus: Path = REUTERS) -> dict[str, Figures]:
    labelled, sizes = labelled_pairs()
    return {"dateline": figures(index_groups(index), labelled, sizes),
            "words alone (MinHash 0.7)": figures(words_alone_groups(corpus), labelled, sizes)}


def _resident_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def memory_worker(detector: str, corpus: Path) -> dict:
    """Runs in a subprocess: every article of the corpus through one detector; resident memory and
    seconds, signatures made on the fly and not kept."""
    import time

    from datasketch import MinHash, MinHashLSH

    from dateline.indexer.reprints import BANDS, NUM_PERM, ROWS, SCHEME, ReprintGroups, signature, story

    groups, lsh = ReprintGroups(), MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))
    records = (json.loads(line) for line in corpus.open())
    before, started, count = _resident_mb(), time.perf_counter(), 0
    for record in records:
        packed = signature(record["title"], record["body"])
        if not packed:
            continue
        if detector == "dateline":
            groups.assign(record["id"], packed, record["id"])
        else:
            minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME, hashvalues=story(packed).hashes)
            lsh.query(minhash)
            lsh.insert(record["id"], minhash)
        count += 1
    return {"detector": detector, "articles": count, "mb": _resident_mb() - before,
            "seconds": time.perf_counter() - started}


def memory(count: int) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from run import generated_corpus

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        generated_corpus(corpus, count)
        rows = [json.loads(subprocess.run(
            [sys.executable, __file__, "--memory-worker", detector, str(corpus)],
            check=True, capture_output=True, text=True).stdout) for detector in ("dateline", "datasketch")]
    print(f"| {count:,} generated articles | stories | memory MB | bytes a story | seconds |")
    print("|---|---|---|---|---|")
    for row in rows:
        per_story = row["mb"] * 2**20 / row["articles"]
        print(f"| {row['detector']} | {row['articles']} | {row['mb']:.1f} | {per_story:.0f} "
              f"| {row['seconds']:.1f} |")
    print(f"Dateline/datasketch: memory {rows[0]['mb'] / rows[1]['mb']:.2f}x, time "
          f"{rows[0]['seconds'] / rows[1]['seconds']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="a Reuters index to judge (default: indexed now)")
    parser.add_argument("--memory", type=int, metavar="N", help="memory a story, over N generated articles")
    parser.add_argument("--memory-worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_worker:
        print(json.dumps(memory_worker(args.memory_worker[0], Path(args.memory_worker[1]))))
        return
    if args.memory:
        memory(args.memory)
        return
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index
        if index is None:
            index = Path(tmp) / "index"
            subprocess.run([sys.executable, "-m", "dateline", "index", str(REUTERS), "--index", str(index)],
                           check=True, capture_output=True)
        measured = report(index)
    print("| detector | groups | pairs joined | dev precision | dev recall | test precision | test recall |")
    print("|---|---|---|---|---|---|---|")
    for name, found in measured.items():
        print(f"| {name} | {found.groups} | {found.pairs} | {found.dev[0]:.3f} | {found.dev[1]:.3f} "
              f"| {found.test[0]:.3f} | {found.test[1]:.3f} |")
    ours, peer = measured["dateline"].test, measured["words alone (MinHash 0.7)"].test
    print(f"test sample ({ours[2]} pairs), Dateline/words alone: precision {ours[0] / peer[0]:.2f}x, "
          f"recall {ours[1] / peer[1]:.2f}x")


if __name__ == "__main__":
    main()
