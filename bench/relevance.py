"""Ranking quality on the Cranfield collection: Dateline beside tantivy (BM25) and SQLite FTS5 (bm25).

    python bench/relevance.py            # all 225 queries
    python bench/relevance.py --quick    # the first 20 queries, as the test suite runs it

Measures MAP, nDCG@10 and P@10 with ir-measures. The collection's quirks: cran.qry numbers its
queries with gaps (001, 002, 004, ...) while cranqrel numbers them 1..225 in file order; grades
run from 1 (most relevant) to 4, and -1 means not relevant. Gain is 5 - grade for grades 1-4, else 0.
Every engine gets the same words: the query text lower-cased, stripped of punctuation, OR-ed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
import tempfile
from pathlib import Path

import ir_measures
from ir_measures import MAP, P, Qrel, ScoredDoc, nDCG

ROOT = Path(__file__).resolve().parent.parent
CRANFIELD = Path(os.environ.get("DATELINE_SHARED", ROOT.parent / "shared")) / "data" / "cranfield"
MEASURES = [MAP, nDCG @ 10, P @ 10]
DEPTH = 100


def parse_fields(text: str) -> list[dict[str, str]]:
    """Records of the .I/.T/.A/.B/.W format, each field's lines joined."""
    records = []
    for chunk in re.split(r"^\.I\s+", text, flags=re.M)[1:]:
        number, _, rest = chunk.partition("\n")
        record = {"I": number.strip()}
        for tag, value in re.findall(r"^\.([TABW])\n(.*?)(?=^\.[TABW]\n|\Z)", rest, flags=re.M | re.S):
            record[tag] = " ".join(value.split())
        records.append(record)
    return records


def load() -> tuple[list[dict], list[tuple[str, str]], list[Qrel]]:
    documents = parse_fields((CRANFIELD / "cran.all.1400").read_text(encoding="latin-1"))
    raw = parse_fields((CRANFIELD / "cran.qry").read_text(encoding="latin-1"))
    # cranqrel numbers the queries by position, not by their own I field
    queries = [(str(position), record["W"]) for position, record in enumerate(raw, start=1)]
    qrels = []
    for line in (CRANFIELD / "cranqrel").read_text().splitlines():
        query, doc, grade = line.split()
        grade = int(grade)
        qrels.append(Qrel(query, doc, 5 - grade if 1 <= grade <= 4 else 0))
    return documents, queries, qrels


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def dateline_run(documents, queries, work: Path, **search_options):
    from dateline.indexer import index_sources
    from dateline.search import Archive

    corpus = work / "cranfield.jsonl"
    with corpus.open("w") as out:
        for d in documents:
            record = {"id": d["I"], "title": d.get("T", ""), "body": d.get("W", "") or d.get("T", ""),
                      "language": "en"}
            out.write(json.dumps(record) + "\n")
    index_sources([corpus], work / "dateline-index")
    run = []
    with Archive(work / "dateline-index") as archive:
        key_to_doc = {}
        for article, _ in archive.iter_articles():
            key_to_doc[article.id] = str(article.provenance.offset)  # JSON line number = Cranfield id
        for qid, text in queries:
            results = archive.search(" OR ".join(words(text)), limit=DEPTH, **search_options)
            run += [ScoredDoc(qid, key_to_doc[hit.id], hit.score) for hit in results.hits]
    return run


def tantivy_run(documents, queries, work: Path):
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("doc", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", tokenizer_name="en_stem")
    builder.add_text_field("body", tokenizer_name="en_stem")
    index = tantivy.Index(builder.build())
    writer = index.writer()
    for d in documents:
        writer.add_document(tantivy.Document(doc=d["I"], title=d.get("T", ""), body=d.get("W", "")))
    writer.commit()
    index.reload()
    searcher = index.searcher()
    run = []
    for qid, text in queries:
        query = index.parse_query(" ".join(words(text)), ["title", "body"])
        for score, address in searcher.search(query, DEPTH).hits:
            run.append(ScoredDoc(qid, searcher.doc(address)["doc"][0], score))
    return run


def sqlite_run(documents, queries, work: Path):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61')")
    db.executemany("INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)",
                   [(int(d["I"]), d.get("T", ""), d.get("W", "")) for d in documents])
    run = []
    for qid, text in queries:
        match = " OR ".join(f'"{w}"' for w in words(text))
        rows = db.execute("SELECT rowid, bm25(docs) FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?",
                          (match, DEPTH)).fetchall()
        run += [ScoredDoc(qid, str(rowid), -score) for rowid, score in rows]
    return run


def evaluate(quick: bool = False) -> dict[str, dict[str, float]]:
    documents, queries, qrels = load()
    if quick:
        queries = queries[:20]
        wanted = {qid for qid, _ in queries}
        qrels = [q for q in qrels if q.query_id in wanted]
    table = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        runners = (("dateline", dateline_run), ("tantivy", tantivy_run), ("sqlite-fts5", sqlite_run))
        for name, runner in runners:
            scores = ir_measures.calc_aggregate(MEASURES, qrels, runner(documents, queries, work))
            table[name] = {str(measure): scores[measure] for measure in MEASURES}
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the first 20 queries only")
    args = parser.parse_args()
    table = evaluate(args.quick)
    names = [str(m) for m in MEASURES]
    print(f"Cranfield, {'20' if args.quick else '225'} queries")
    print("| engine | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for engine, scores in table.items():
        print(f"| {engine} | " + " | ".join(f"{scores[n]:.4f}" for n in names) + " |")
    best_peer = max(table["tantivy"]["nDCG@10"], table["sqlite-fts5"]["nDCG@10"])
    print(f"Dateline nDCG@10 / best peer: {table['dateline']['nDCG@10'] / best_peer:.3f}")


if __name__ == "__main__":
    sys.exit(main())
