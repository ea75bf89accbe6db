"""The index stays correct as the archive grows: incremental runs, kills, concurrent writers, bad folders."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dateline.errors import ArchiveError
from dateline.indexer import index_sources
from dateline.indexer.engine.store import Store, open_index
from dateline.search import Archive

from .conftest import SEEDS, run_cli

SEED_TEXT = (SEEDS / "000_76f24a8f80dde1ec.txt").read_text()


def story(place: str, text: str) -> str:
    return f"{place}— {text} The officials said the talks would continue next week in the capital city."


def test_incremental_add_update_and_prune(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "a.txt").write_text(story("TEHRAN", "Iran's parliament approved the budget on Sunday."))
    (corpus / "b.txt").write_text(story("KABUL", "Afghan farmers began the wheat harvest early this year."))
    first = index_sources([corpus], index)
    assert (first.added, first.updated, first.files_read) == (2, 0, 2)

    again = index_sources([corpus], index)
    assert (again.added, again.updated, again.files_read, again.files_skipped) == (0, 0, 0, 2)

    (corpus / "b.txt").write_text(story("KABUL", "Afghan farmers finished the wheat harvest late this year."))
    (corpus / "c.txt").write_text(story("ANKARA", "Turkey's central bank held interest rates steady."))
    changed = index_sources([corpus], index)
    assert (changed.added, changed.updated, changed.files_skipped) == (1, 1, 1)
    with Archive(index) as archive:
        assert archive.search("finished").total == 1
        assert archive.search("began").total == 0, "the old version of b.txt is gone"
        assert archive.search().total == 3

    (corpus / "a.txt").unlink()
    kept = index_sources([corpus], index)
    assert kept.removed == 0
    with Archive(index) as archive:
        assert archive.search("parliament").total == 1, "without --prune, a vanished source's articles stay"
    pruned = index_sources([corpus], index, prune=True)
    assert pruned.removed == 1
    with Archive(index) as archive:
        assert archive.search("parliament").total == 0
        assert archive.search().total == 2


def test_second_run_over_reuters_reports_nothing_new(reuters_index, reuters):
    result = run_cli("index", str(reuters), "--index", str(reuters_index))
    assert "0 added, 0 updated" in result.stderr and "20 unchanged files skipped" in result.stderr


def test_stats_on_reuters(reuters_index):
    result = run_cli("stats", "--index", str(reuters_index), check=True)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("20000 articles,") and "dated 1987-02-26 to 1987-10-19" in lines[0]
    assert "Agency:    Reuters 20000" in result.stdout
    assert "Year:      1987 19999  (unknown 1)" in result.stdout
    dateline = next(line for line in lines if line.strip().startswith("Dateline:"))
    assert dateline.split()[1:5] == ["NEW", "YORK", "2260", "WASHINGTON"], "'****NEW YORK' is New York too"


def test_sigkill_mid_run_keeps_last_commit_and_rerun_completes(tmp_path, reuters):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    for sgm in sorted(reuters.glob("reut2-00*.sgm")):
        shutil.copy(sgm, corpus)
    env = {**os.environ, "DATELINE_COMMIT_EVERY": "2000"}
    process = subprocess.Popen([sys.executable, "-m", "dateline", "index", str(corpus), "--index", str(index)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list(index.glob("_dateline_[2-9]*.toc")):
        time.sleep(0.05)
    assert process.poll() is None, "the run should still be going when it is killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    with Archive(index) as archive:
        committed = archive.search().total
    assert 0 < committed < 10000
    assert committed % 1000 == 0, "commits happen at file boundaries"

    rerun = run_cli("index", str(corpus), "--index", str(index))
    assert rerun.returncode == 0, rerun.stderr
    assert f"{committed // 1000} unchanged files skipped" in rerun.stderr
    with Archive(index) as archive:
        assert archive.search().total == 10000


def test_second_writer_waits_then_fails_clearly(tmp_path):
    index = tmp_path / "index"
    index_sources([SEEDS], index)
    ix = open_index(index)
    writer = ix.writer()
    try:
        with Archive(index) as archive:
            assert archive.search("Palestinians").total == 1, "searching while another process writes works"
        started = time.time()
        result = run_cli("index", str(SEEDS), str(tmp_path / "extra.txt"), "--index", str(index), "--wait", "1")
        assert result.returncode == 2
        assert result.stderr.strip().endswith("another process is writing this index; waited 1s (try again, or --wait longer)")
        assert 1 <= time.time() - started < 30
    finally:
        writer.cancel()
    with Archive(index) as archive:
        assert archive.search().total == 1


def test_corrupt_and_foreign_index_folders(tmp_path):
    index = tmp_path / "index"
    index_sources([SEEDS], index)
    for toc in index.glob("*.toc"):
        toc.write_bytes(b"\x00garbage" * 10)
    result = run_cli("stats", "--index", str(index))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "corrupt" in result.stderr and "Traceback" not in result.stderr

    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"\xff\xd8")
    result = run_cli("index", str(SEEDS), "--index", str(foreign))
    assert result.returncode == 2 and "not empty and not a Dateline index" in result.stderr
    assert (foreign / "holiday.jpg").exists()
    with pytest.raises(ArchiveError, match="no index at"):
        Archive(tmp_path / "missing")


def test_unreadable_sources_are_reported_and_the_rest_indexed(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "seed.txt").write_text(SEED_TEXT)
    (corpus / "broken.jsonl").write_text('{"body": "TEHRAN - A valid line about the budget debate in parliament today."}\n{oops\n')
    result = run_cli("index", str(corpus), "--index", str(tmp_path / "index"))
    assert result.returncode == 1
    assert "broken.jsonl:line 2: malformed JSON" in result.stderr
    assert "2 added" in result.stderr


def test_arabic_script_spellings_find_each_other(tmp_path):
    corpus = tmp_path / "fa.jsonl"
    records = [
        {"id": "1", "title": "خبر", "body": "رئیس جمهور در کنفرانس خبری درباره‌ی سیاست خارجی صحبت کرد و گفت ایران آماده است."},
        {"id": "2", "title": "خبر", "body": "رئيس الجمهورية تحدث في مؤتمر صحفي عن السياسة الخارجية وقال إن البلاد مستعدة."},
    ]
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records))
    index = tmp_path / "index"
    index_sources([corpus], index)
    with Archive(index) as archive:
        persian_yeh, arabic_yeh = "رئیس", "رئيس"
        assert archive.search(persian_yeh).total == 2
        assert archive.search(arabic_yeh).total == 2
        assert archive.search("كنفرانس").total == 1, "Arabic kaf finds Persian keheh"
        assert archive.search("كنفرانـــس").total == 1, "tatweel is ignored"
        assert archive.search("رَئِيس").total == 2, "diacritics are ignored"
        assert archive.search("درباره‌ی").total == 1 and archive.search("دربارهی").total == 1, "ZWNJ is ignored"
        assert archive.search("درباره\u200c\u200c\u200cی").total == 1, "a run of ZWNJs is ignored too"
        assert archive.search("\ufeae\ufe8c\ufef4\ufeb4").total == 2, "presentation forms are the letters"
        assert {hit.article.language for hit in archive.search(persian_yeh).hits} == {"fa", "ar"}


def test_reprints_of_a_real_story_are_grouped(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mehr.txt").write_text(SEED_TEXT)
    # The same Mehr story as a republisher runs it: its own dateline form, a sentence cut, its own license line.
    reprint = SEED_TEXT.replace("TEHRAN—", "TEHRAN (Tasnim) -", 1).replace(
        " He stated that today there is more hope for victory than ever before.", "").replace(
        "All Content by Mehr News Agency", "All Content by Tasnim News Agency")
    (corpus / "tasnim.txt").write_text(reprint)
    (corpus / "other.txt").write_text(story("KABUL", "Afghan farmers began the wheat harvest early this year, "
                                                     "officials said, citing good rains in the north of the country."))
    index_sources([corpus], index := tmp_path / "index")
    with Archive(index) as archive:
        hits = {Path(h.article.provenance.source).name: h for h in archive.search(limit=10).hits}
        assert hits["mehr.txt"].reprint_group == hits["tasnim.txt"].reprint_group
        assert hits["other.txt"].reprint_group != hits["mehr.txt"].reprint_group
        assert hits["mehr.txt"].reprint_count == 2
        assert archive.search("Palestinians", collapse_reprints=True).total == 1
        assert {a.agency for a in archive.reprints(hits["mehr.txt"].reprint_group)} == {
            "Mehr News Agency", "Tasnim News Agency"}


def test_copies_that_differ_only_in_agency_keep_their_own_ids(tmp_path):
    """Once the license line is a field, a copy run under another agency's license has the original's
    body: it is the same story (one reprint group) but another article, with its own id and page."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mehr.txt").write_text(SEED_TEXT)
    (corpus / "tasnim.txt").write_text(SEED_TEXT.replace("All Content by Mehr News Agency",
                                                         "All Content by Tasnim News Agency"))
    (corpus / "again.txt").write_text(SEED_TEXT)  # the very same article, saved twice
    index_sources([corpus], index := tmp_path / "index")
    with Archive(index) as archive:
        hits = {Path(h.article.provenance.source).name: h for h in archive.search(limit=10).hits}
        assert hits["mehr.txt"].article.body == hits["tasnim.txt"].article.body
        assert hits["mehr.txt"].id != hits["tasnim.txt"].id and hits["mehr.txt"].id == hits["again.txt"].id
        assert archive.article(hits["tasnim.txt"].id).agency == "Tasnim News Agency"
        assert hits["mehr.txt"].reprint_count == 3


def test_an_index_signed_in_an_earlier_scheme_keeps_it_and_finds_reprints_across_runs(tmp_path, monkeypatch):
    """Signatures of two hashing schemes cannot be compared: an index made when 5-grams were hashed
    by SHA-1 goes on signing so, and a reprint indexed later joins the story indexed before."""
    from dateline.indexer import incremental, reprints

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "mehr.txt").write_text(SEED_TEXT)
    with monkeypatch.context() as patched:  # as a run of 2026-11 signed
        patched.setattr(incremental, "index_scheme", lambda store: reprints.SHA1_GRAMS)
        index_sources([corpus], index)
    (corpus / "tasnim.txt").write_text(SEED_TEXT.replace("TEHRAN—", "TEHRAN (Tasnim) -", 1).replace(
        " He stated that today there is more hope for victory than ever before.", "").replace(
        "All Content by Mehr News Agency", "All Content by Tasnim News Agency"))
    index_sources([corpus], index)
    with Archive(index) as archive:
        hits = {Path(h.article.provenance.source).name: h for h in archive.search(limit=10).hits}
        assert hits["tasnim.txt"].reprint_group == hits["mehr.txt"].reprint_group
    assert {reprints.story(packed).scheme for *_, packed, _ in Store(index).reprint_signatures()} == {
        reprints.SHA1_GRAMS}, "the later run signed in the index's scheme"

    fresh = tmp_path / "fresh"
    index_sources([corpus], fresh)
    assert {reprints.story(packed).scheme for *_, packed, _ in Store(fresh).reprint_signatures()} == {
        reprints.WORD_HASHES}
    with Archive(fresh) as archive:
        assert archive.search(limit=10).hits[0].reprint_count == 2


def test_signatures_of_two_schemes_are_never_one_story():
    from dateline.indexer.reprints import SHA1_GRAMS, WORD_HASHES, same_story, signature, story

    words, sha1 = (story(signature("TITLE", SEED_TEXT, scheme=scheme)) for scheme in (WORD_HASHES, SHA1_GRAMS))
    assert same_story(words, story(signature("TITLE", SEED_TEXT))) and same_story(sha1, sha1)
    assert not same_story(words, sha1)


def test_reprint_sizes_agree_segment_by_segment_and_from_the_whole_view(tmp_path, monkeypatch):
    """A search looks its hits' reprint sizes up segment by segment; a site's thousands of pages use
    one map over the whole view. Copies in different segments, one of them deleted, count alike."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "mehr.txt").write_text(SEED_TEXT)
    index_sources([corpus], index)
    for agency in ("Tasnim", "IRNA", "ISNA"):  # each copy in a segment of its own
        (corpus / f"{agency}.txt").write_text(SEED_TEXT.replace("All Content by Mehr News Agency",
                                                                f"All Content by {agency} News Agency"))
        index_sources([corpus], index)
    (corpus / "ISNA.txt").unlink()
    assert index_sources([corpus], index, prune=True).removed == 1
    from dateline.search import archive as archive_module
    with Archive(index) as archive:
        assert len(archive.view.segments) > 1
        group = archive.search(limit=1).hits[0].reprint_group
        by_segments = archive.reprint_size(group), archive.reprint_size("no such group")
        assert "reprint-sizes" not in archive._merged, "no whole-view map for a few lookups"
    monkeypatch.setattr(archive_module, "SIZE_LOOKUPS", 0)
    with Archive(index) as archive:
        assert (archive.reprint_size(group), archive.reprint_size("no such group")) == by_segments == (3, 0)
        assert archive.reprint_size("zzzz") == archive.reprint_size("") == 0  # past the last group, before the first
        # looked up in the map's numpy array: no Python list or dict of every group (at a million, 129 MB)
        assert "values" not in vars(archive.fieldmap("reprint"))


def test_editing_one_record_updates_that_article_only(tmp_path, reuters):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    source = corpus / "reut2-000.sgm"
    data = (reuters / "reut2-000.sgm").read_bytes()
    source.write_bytes(data)
    assert index_sources([corpus], index).added == 1000
    middle = data.index(b'NEWID="500"')
    body = data.index(b"<BODY>", middle) + len(b"<BODY>")
    source.write_bytes(data[:body] + b"Inserted words move every later offset. " + data[body:])
    report = index_sources([corpus], index)
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 1, 999, 0)
    with Archive(index) as archive:
        assert archive.search('"inserted words move"').total == 1 and archive.search().total == 1000


def test_an_indexing_run_leaves_the_arrays_a_first_query_reads(tmp_path, reuters, monkeypatch):
    """An indexing run ends by writing every segment's query arrays (text lengths, dates, facet
    maps, the postings of common words) beside the index: a later process's first query, facets and
    date order included, builds none of them and decodes no posting block of a common word."""
    from dateline.indexer.engine import segments
    from dateline.indexer.fields import FACET_FIELDS

    monkeypatch.setattr(segments, "KEPT_POSTINGS", 200)  # common: in 200 of 2,000 articles, as 2,048 of 16,000
    index = tmp_path / "index"
    index_sources([reuters / "reut2-000.sgm", reuters / "reut2-001.sgm"], index, workers=1)
    with Archive(index) as archive:
        ids = segments.segment_ids(archive.view.segments)
        common = [(segment.id, field, text) for segment in archive.view.segments for field in ("title", "body")
                  for text, info in segment._leaf.iter_field(field) if info.doc_frequency() >= segment._common()]
    kinds = {"lengths-title", "lengths-body", "days", "instants", *(f"facet-{f.name}" for f in FACET_FIELDS)}
    files = {f.name for f in (index / segments.CACHE_FOLDER).iterdir()}
    assert {f"{i}-{kind}.arrays" for i in ids for kind in kinds} <= files
    assert b"said" in {text for _, _, text in common} and len(common) > 20
    assert sum("-postings-" in f for f in files) == len(common)

    block_postings, common_words = segments._block_postings, {(field, text) for _, field, text in common}

    def decoded(matcher, *args):
        assert matcher.term() not in common_words, f"{matcher.term()}: a common word's blocks were decoded"
        return block_postings(matcher, *args)

    before = segments.seconds_building()
    monkeypatch.setattr(segments, "_block_postings", decoded)
    with Archive(index) as archive:
        found = archive.search("said", facets=("place", "year"), sort="newest")
    assert found.total > 1000 and found.facets
    assert segments.seconds_building() == before, "the first query built arrays"
