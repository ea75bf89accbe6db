"""Ranking quality on six classic test collections: Dateline beside tantivy, SQLite FTS5 and bm25s.

    python bench/relevance.py            # the suite, the peers, significance, leave-one-collection-out
    python bench/relevance.py --quick    # three small collections, the shipped defaults only (the tests)

Collections (../shared/data/cranfield and ../shared/data/ir-collections; their quirks are in
../shared/data/ir-collections/README.md): Cranfield (aeronautics, graded judgments), TIME (1963 news
magazine), NPL (electronics abstracts, no titles), MED (Medline), CISI (information science) and
CACM (computing). Every engine gets the same documents (title, and the abstract or, where there is
none, the title again as body) and the same words: the query text lower-cased, stripped of
punctuation, OR-ed. Measures are ir-measures' nDCG@10, MAP and R@100 over the judged queries (a
judged query an engine returns nothing for scores 0), averaged per collection, and the mean over
collections; p is a paired t-test of per-query nDCG@10 against Dateline.

Dateline's BM25F parameters are chosen leave-one-collection-out: for each collection, the K1, B
and title weight that score best (mean nDCG@10) on the other five, scored on the one left out. The
shipped defaults (search/plan.py Ranking) are the best over all six; the left-out figures say how
well such a choice carries to a collection it was not chosen on. Dateline with pseudo-relevance
feedback (`dateline search --feedback`: RM3 with Anserini's defaults) is its own column, beside the
defaults and not counted as a peer.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ir_measures
from ir_measures import MAP, Qrel, R, ScoredDoc, nDCG

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("DATELINE_SHARED", ROOT.parent / "shared")) / "data"
IR = SHARED / "ir-collections"
MEASURES = [nDCG @ 10, MAP, R @ 100]
DEPTH = 100
GRID_K1 = (0.9, 1.2, 1.5, 2.0, 2.5)
GRID_B = (0.3, 0.45, 0.6, 0.75)
GRID_TITLE = (1.0, 2.0, 3.0, 4.0)  # TIME, NPL and MED have no titles: only the other three tell


@dataclass
class Collection:
    name: str
    documents: list[tuple[str, str, str]]  # (id, title, body)
    queries: list[tuple[str, str]]         # (id, text), judged queries only
    qrels: list[Qrel]


def _smart(text: str) -> list[dict[str, str]]:
    """Records of the SMART format (.I id, then fields each opened by a line holding only a marker)."""
    records = []
    for chunk in re.split(r"^\.I[ \t]+", text.replace("\r", ""), flags=re.M)[1:]:
        number, _, rest = chunk.partition("\n")
        record = {"I": number.strip()}
        fields = re.findall(r"^\.([A-Z])[ \t]*\n(.*?)(?=^\.[A-Z][ \t]*\n|\Z)", rest, flags=re.M | re.S)
        for tag, value in fields:
            record[tag] = (record.get(tag, "") + " " + " ".join(value.split())).strip()
        records.append(record)
    return records


def _judged(name: str, documents, queries, qrels) -> Collection:
    wanted = {q.query_id for q in qrels if q.relevance > 0}
    judged = [(qid, text) for qid, text in queries if qid in wanted and text.strip()]
    return Collection(name, documents, judged, [q for q in qrels if q.query_id in wanted])


def _smart_documents(records: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    return [(r["I"], r.get("T", ""), r.get("W") or r.get("T", "")) for r in records]


def _pairs(path: Path, query: int, doc: int) -> list[Qrel]:
    rows = (line.split() for line in path.read_text().splitlines() if line.strip())
    return [Qrel(str(int(cols[query])), str(int(cols[doc])), 1) for cols in rows]


def cranfield() -> Collection:
    folder = SHARED / "cranfield"
    documents = _smart_documents(_smart((folder / "cran.all.1400").read_text(encoding="latin-1")))
    raw = _smart((folder / "cran.qry").read_text(encoding="latin-1"))
    # cranqrel numbers the queries by position, not by their own .I; grades 1 (best) to 4, -1 not relevant
    queries = [(str(position), record["W"]) for position, record in enumerate(raw, start=1)]
    qrels = []
    for line in (folder / "cranqrel").read_text().splitlines():
        query, doc, grade = line.split()
        qrels.append(Qrel(query, doc, 5 - int(grade) if 1 <= int(grade) <= 4 else 0))
    return _judged("Cranfield", documents, queries, qrels)


def time_magazine() -> Collection:
    folder = IR / "time"
    text = (folder / "TIME.ALL").read_text(encoding="latin-1").split("\n*STOP\n")[0]
    articles = re.split(r"^\*TEXT[^\n]*\n", text, flags=re.M)[1:]
    documents = [(str(n), "", " ".join(body.split())) for n, body in enumerate(articles, start=1)]
    found = re.findall(r"^\*FIND\s+(\d+)\s*\n(.*?)(?=^\*FIND|^\*STOP\s*$)",
                       (folder / "TIME.QUE").read_text(encoding="latin-1"), flags=re.M | re.S)
    queries = [(str(int(n)), " ".join(body.split())) for n, body in found]
    rows = [line.split() for line in (folder / "TIME.REL").read_text().splitlines() if line.strip()]
    # a document is numbered by its position in TIME.ALL, not by its *TEXT number
    qrels = [Qrel(str(int(cols[0])), doc, 1) for cols in rows for doc in cols[1:]]
    return _judged("TIME", documents, queries, qrels)


def _slashed(path: Path) -> list[tuple[str, str]]:
    """NPL's records: an id line, then text, then a line holding only '/'."""
    records = []
    for chunk in re.split(r"^\s*/\s*$", path.read_text(encoding="latin-1"), flags=re.M):
        number, _, rest = chunk.strip().partition("\n")
        if number.strip():
            records.append((str(int(number)), " ".join(rest.split())))
    return records


def npl() -> Collection:
    folder = IR / "npl"
    documents = [(n, "", text) for n, text in _slashed(folder / "doc-text")]
    qrels = [Qrel(qid, doc, 1) for qid, docs in _slashed(folder / "rlv-ass") for doc in docs.split()]
    return _judged("NPL", documents, _slashed(folder / "query-text"), qrels)


def med() -> Collection:
    folder = IR / "med"
    documents = _smart_documents(_smart((folder / "MED.ALL").read_text(encoding="latin-1")))
    queries = [(r["I"], r.get("W", "")) for r in _smart((folder / "MED.QRY").read_text(encoding="latin-1"))]
    return _judged("MED", documents, queries, _pairs(folder / "MED.REL", 0, 2))


def cisi() -> Collection:
    folder = IR / "cisi"
    documents = _smart_documents(_smart((folder / "CISI.ALL").read_text(encoding="latin-1")))
    queries = [(r["I"], " ".join(filter(None, (r.get("T"), r.get("W")))))
               for r in _smart((folder / "CISI.QRY").read_text(encoding="latin-1"))]
    return _judged("CISI", documents, queries, _pairs(folder / "CISI.REL", 0, 1))


def cacm() -> Collection:
    folder = IR / "cacm"
    documents = _smart_documents(_smart((folder / "cacm.all").read_text(encoding="latin-1")))
    queries = [(str(int(r["I"])), r.get("W", "")) for r in _smart((folder / "query.text").read_text())]
    return _judged("CACM", documents, queries, _pairs(folder / "qrels.text", 0, 1))


COLLECTIONS: dict[str, Callable[[], Collection]] = {
    "Cranfield": cranfield, "TIME": time_magazine, "NPL": npl, "MED": med, "CISI": cisi, "CACM": cacm}
QUICK = ("Cranfield", "TIME", "MED")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


Run = dict[str, list[tuple[str, float]]]  # query id -> (document id, score), best first


class Dateline:
    name = "dateline"

    def __init__(self, collection: Collection, work: Path):
        from dateline.indexer import index_sources

        corpus = work / f"{collection.name}.jsonl"
        with corpus.open("w") as out:
            for doc, title, body in collection.documents:
                out.write(json.dumps({"id": doc, "title": title, "body": body, "language": "en"}) + "\n")
        self.index = work / f"{collection.name}-index"
        index_sources([corpus], self.index)

    def run(self, queries: list[tuple[str, str]], params: tuple[float, float, float] | None = None,
            feedback: bool = False) -> Run:
        from dateline.search import Archive
        from dateline.search.feedback import RM3
        from dateline.search.plan import Ranking

        ranking = Ranking(*(params or ()), feedback=RM3() if feedback else None)
        with Archive(self.index, ranking=ranking) as archive:
            return {qid: archive.rank(" OR ".join(words(text)), DEPTH) for qid, text in queries}


class Tantivy:
    name = "tantivy"

    def __init__(self, collection: Collection, work: Path):
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("doc", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", tokenizer_name="en_stem")
        builder.add_text_field("body", tokenizer_name="en_stem")
        self.index = tantivy.Index(builder.build())
        writer = self.index.writer()
        for doc, title, body in collection.documents:
            writer.add_document(tantivy.Document(doc=doc, title=title, body=body))
        writer.commit()
        self.index.reload()

    def run(self, queries: list[tuple[str, str]]) -> Run:
        searcher = self.index.searcher()
        run = {}
        for qid, text in queries:
            query = self.index.parse_query(" ".join(words(text)), ["title", "body"])
            run[qid] = [(searcher.doc(address)["doc"][0], score)
                        for score, address in searcher.search(query, DEPTH).hits]
        return run


class Sqlite:
    name = "sqlite-fts5"

    def __init__(self, collection: Collection, work: Path):
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(doc UNINDEXED, title, body, "
                        "tokenize='porter unicode61')")
        self.db.executemany("INSERT INTO docs (doc, title, body) VALUES (?, ?, ?)", collection.documents)

    def run(self, queries: list[tuple[str, str]]) -> Run:
        sql = "SELECT doc, bm25(docs) FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?"
        return {qid: [(doc, -score) for doc, score in self.db.execute(
                    sql, (" OR ".join(f'"{w}"' for w in words(text)), DEPTH))]
                for qid, text in queries if words(text)}


class Bm25s:
    """bm25s with its defaults (Lucene's BM25, k1 1.5, b 0.75), English stop words and Snowball stems."""

    name = "bm25s"

    def __init__(self, collection: Collection, work: Path):
        import bm25s
        import Stemmer

        self.bm25s, self.stemmer = bm25s, Stemmer.Stemmer("english")
        self.ids = [doc for doc, _, _ in collection.documents]
        corpus = [f"{title} {body}" for _, title, body in collection.documents]
        self.retriever = bm25s.BM25()
        tokens = bm25s.tokenize(corpus, stopwords="en", stemmer=self.stemmer, show_progress=False)
        self.retriever.index(tokens, show_progress=False)

    def run(self, queries: list[tuple[str, str]]) -> Run:
        run = {}
        for qid, text in queries:
            tokens = self.bm25s.tokenize([text], stopwords="en", stemmer=self.stemmer, show_progress=False)
            if not tokens.vocab:
                run[qid] = []
                continue
            found, scores = self.retriever.retrieve(tokens, k=min(DEPTH, len(self.ids)), show_progress=False)
            run[qid] = [(self.ids[i], float(s)) for i, s in zip(found[0], scores[0], strict=True) if s > 0]
        return run


ENGINES = (Dateline, Tantivy, Sqlite, Bm25s)
PEERS = [engine.name for engine in ENGINES[1:]]
FEEDBACK = "dateline-rm3"  # Dateline with --feedback
COLUMNS = ["dateline", FEEDBACK, *PEERS]


def per_query(collection: Collection, run: Run) -> dict[str, dict[str, float]]:
    """measure -> query -> value, every judged query present (0 where the engine returned nothing)."""
    scored = [ScoredDoc(qid, doc, score) for qid, hits in run.items() for doc, score in hits]
    values = {str(m): {qid: 0.0 for qid, _ in collection.queries} for m in MEASURES}
    for metric in ir_measures.iter_calc(MEASURES, collection.qrels, scored):
        if metric.query_id in values[str(metric.measure)]:
            values[str(metric.measure)][metric.query_id] = metric.value
    return values


def _mean(values: dict[str, float]) -> float:
    return statistics.fmean(values.values())


def _p_value(ours: dict[str, float], theirs: dict[str, float]) -> float:
    from scipy.stats import ttest_rel

    a, b = [ours[q] for q in ours], [theirs[q] for q in ours]
    return 1.0 if a == b else float(ttest_rel(a, b).pvalue)


@dataclass
class Result:
    scores: dict[str, dict[str, dict[str, float]]]  # engine -> measure -> query -> value
    ms_per_query: dict[str, float]
    grid: dict[tuple[float, float, float], float]    # (k1, b, title weight) -> Dateline's nDCG@10


def evaluate_collection(collection: Collection, work: Path, grid: bool) -> Result:
    scores, timing = {}, {}
    dateline = None
    for engine in ENGINES:
        built = engine(collection, work)
        started = time.perf_counter()
        run = built.run(collection.queries)
        timing[engine.name] = (time.perf_counter() - started) * 1000 / len(collection.queries)
        scores[engine.name] = per_query(collection, run)
        if isinstance(built, Dateline):
            dateline = built
            started = time.perf_counter()
            run = built.run(collection.queries, feedback=True)
            timing[FEEDBACK] = (time.perf_counter() - started) * 1000 / len(collection.queries)
            scores[FEEDBACK] = per_query(collection, run)
    grid_scores = {}
    if grid and dateline is not None:
        for params in itertools.product(GRID_K1, GRID_B, GRID_TITLE):
            run = dateline.run(collection.queries, params)
            grid_scores[params] = _mean(per_query(collection, run)["nDCG@10"])
    return Result(scores, timing, grid_scores)


def evaluate(names: tuple[str, ...] = tuple(COLLECTIONS), grid: bool = True) -> dict[str, Result]:
    with tempfile.TemporaryDirectory() as tmp:
        return {name: evaluate_collection(COLLECTIONS[name](), Path(tmp), grid) for name in names}


def leave_one_out(results: dict[str, Result]) -> dict[str, tuple[tuple[float, float, float], float]]:
    """For each collection: the (K1, B, title weight) best on the others by mean nDCG@10, and its
    nDCG@10 here."""
    chosen = {}
    for left_out in results:
        others = [r.grid for name, r in results.items() if name != left_out]
        best = max(others[0], key=lambda params: statistics.fmean(g[params] for g in others))
        chosen[left_out] = (best, results[left_out].grid[best])
    return chosen


def print_tables(results: dict[str, Result]) -> None:
    engines = COLUMNS
    for measure in (str(m) for m in MEASURES):
        print(f"\n{measure}, mean over each collection's judged queries\n")
        print("| collection | queries | " + " | ".join(engines) + " | Dateline / best peer |")
        print("|---|---|" + "---|" * (len(engines) + 1))
        means: dict[str, list[float]] = {engine: [] for engine in engines}
        for name, result in results.items():
            row = {engine: _mean(result.scores[engine][measure]) for engine in engines}
            for engine in engines:
                means[engine].append(row[engine])
            best = max(row[engine] for engine in PEERS)
            queries = len(result.scores["dateline"][measure])
            print(f"| {name} | {queries} | " + " | ".join(f"{row[e]:.4f}" for e in engines)
                  + f" | {row['dateline'] / best:.4f} |")
        mean = {engine: statistics.fmean(values) for engine, values in means.items()}
        best = max(mean[engine] for engine in PEERS)
        print("| mean | | " + " | ".join(f"{mean[e]:.4f}" for e in engines)
              + f" | {mean['dateline'] / best:.4f} |")
    print("\nnDCG@10, paired t-test of Dateline against each peer and against itself with --feedback"
          " (p; + Dateline higher, - lower)\n")
    print("| collection | " + " | ".join(engines[1:]) + " |")
    print("|---|" + "---|" * (len(engines) - 1))
    for name, result in results.items():
        ours = result.scores["dateline"]["nDCG@10"]
        cells = []
        for engine in engines[1:]:
            theirs = result.scores[engine]["nDCG@10"]
            sign = "+" if _mean(ours) >= _mean(theirs) else "-"
            cells.append(f"{sign} p={_p_value(ours, theirs):.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nms a query (100 hits, ranking only)\n")
    print("| collection | " + " | ".join(engines) + " |")
    print("|---|" + "---|" * len(engines))
    for name, result in results.items():
        print(f"| {name} | " + " | ".join(f"{result.ms_per_query[e]:.2f}" for e in engines) + " |")
    if all(result.grid for result in results.values()):
        print("\nLeave one collection out: Dateline's K1, B, title weight chosen on the other collections "
              f"(grid K1 {GRID_K1}, B {GRID_B}, title {GRID_TITLE}), nDCG@10 on the one left out\n")
        print("| left out | K1, B, title chosen | nDCG@10 left out | shipped defaults | best peer |")
        print("|---|---|---|---|---|")
        chosen = leave_one_out(results)
        for name, (params, score) in chosen.items():
            best_peer = max(_mean(results[name].scores[e]["nDCG@10"]) for e in PEERS)
            shipped = _mean(results[name].scores["dateline"]["nDCG@10"])
            chosen_params = ", ".join(map(str, params))
            print(f"| {name} | {chosen_params} | {score:.4f} | {shipped:.4f} | {best_peer:.4f} |")
        print(f"| mean | | {statistics.fmean(s for _, s in chosen.values()):.4f} | | |")
        overall = max(next(iter(results.values())).grid,
                      key=lambda params: statistics.fmean(r.grid[params] for r in results.values()))
        print(f"\nBest K1, B, title weight over all collections: {', '.join(map(str, overall))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{', '.join(QUICK)}, shipped defaults only")
    args = parser.parse_args()
    results = evaluate(QUICK, grid=False) if args.quick else evaluate()
    print_tables(results)


if __name__ == "__main__":
    sys.exit(main())
