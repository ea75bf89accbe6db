"""Faceted search on the Reuters index, from the command line and the Python API."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections import Counter

import numpy as np
import pytest

from dateline.errors import QueryError
from dateline.search import Archive

from .conftest import run_cli


def independent_cocoa_count(reuters) -> tuple[int, Counter]:
    """Records whose title or body has the word cocoa(s), and their PLACES, straight from the SGML."""
    total, places = 0, Counter()
    for path in sorted(reuters.glob("reut2-*.sgm")):
        for record in re.findall(r"<REUTERS.*?</REUTERS>", path.read_text(encoding="latin-1"), re.S):
            text = re.search(r"<TEXT.*?</TEXT>", record, re.S).group()
            title, body = re.search(r"<TITLE>(.*?)</TITLE>", text, re.S), re.search(r"<BODY>(.*?)</BODY>", text, re.S)
            words = text if title is None and body is None else f"{title.group(1) if title else ''} {body.group(1) if body else ''}"
            if re.search(r"(?<![a-z0-9])cocoas?(?![a-z0-9])", html.unescape(words).lower()):
                total += 1
                places.update(re.findall(r"<D>(.*?)</D>", re.search(r"<PLACES>(.*?)</PLACES>", record).group(1)))
    return total, places


def search_json(index, *args: str) -> dict:
    result = run_cli("search", *args, "--index", str(index), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def archive(reuters_index):
    with Archive(reuters_index) as archive:
        yield archive


def test_cocoa_counts_match_the_source_files(reuters_index, reuters):
    expected_total, expected_places = independent_cocoa_count(reuters)
    data = search_json(reuters_index, "cocoa", "--facet", "place,year")
    assert data["total"] == expected_total == 127
    places = {v["value"]: v["count"] for v in data["facets"]["place"]}
    assert len(places) == 10, "the top ten places"
    assert places == {place: expected_places[place] for place in places}
    assert sorted(places.values(), reverse=True) == [count for _, count in expected_places.most_common(10)]
    assert data["facets"]["year"] == [{"value": "1987", "count": 127, "selected": False}]
    assert all("cocoa" in (h["title"] + h["snippet"]).lower() for h in data["hits"])
    assert set(data) == {"query", "filters", "total", "page", "pages", "limit", "sort", "collapsed", "suggestion",
                         "hits", "facets"}


def test_filters_widen_within_a_facet_and_narrow_across(reuters_index):
    usa = search_json(reuters_index, "cocoa", "--place", "usa")["total"]
    uk = search_json(reuters_index, "cocoa", "--place", "uk")["total"]
    both = search_json(reuters_index, "cocoa", "--place", "usa", "--place", "uk", "--facet", "place")
    assert max(usa, uk) < both["total"] <= usa + uk
    narrow = search_json(reuters_index, "cocoa", "--topic", "cocoa", "--place", "brazil")
    brazil = search_json(reuters_index, "cocoa", "--place", "brazil")["total"]
    assert 0 < narrow["total"] <= brazil
    assert all(h["id"] for h in narrow["hits"])


def test_multi_select_counts_ignore_the_facets_own_filter(archive):
    plain = {v.value: v.count for v in archive.search("cocoa", facets=["place"], facet_limit=None).facets[0].values}
    selected = archive.search("cocoa", filters={"place": ["usa"]}, facets=["place", "topic"], facet_limit=None)
    place = {v.value: v for v in selected.facets[0].values}
    assert {k: v.count for k, v in place.items()} == plain, "other places keep their counts"
    assert place["usa"].selected and not place["uk"].selected
    topic_total = sum(v.count for v in selected.facets[1].values if v.value == "cocoa")
    assert topic_total <= place["usa"].count, "other facets are narrowed by the place filter"


def test_filter_values_are_case_insensitive(archive):
    assert archive.search("cocoa", filters={"agency": ["reuters"]}).total == 127
    assert archive.search("agency:reuters cocoa").total == 127
    assert archive.search('dateline:"new york" cocoa').total == archive.search("cocoa", filters={"dateline": ["NEW YORK"]}).total > 0


def test_query_language(archive):
    phrase = archive.search('"cocoa prices"').total
    near = archive.search('"cocoa prices"~5').total
    assert 0 < phrase <= near
    assert archive.search("coco*").total >= archive.search("cocoa").total
    assert archive.search("cocao~1").total >= 127, "fuzzy term"
    assert archive.search("cocoa AND NOT brazil").total < 127
    assert archive.search("cocoa OR coffee").total > archive.search("cocoa").total
    assert archive.search("title:cocoa").total < 127
    assert archive.search("topic:cocoa").total > 0 and archive.search("lang:en cocoa").total == 127
    march = archive.search("cocoa date:[1987-03-01 TO 1987-03-31]")
    assert 0 < march.total < 127
    assert all(h.article.published.isoformat().startswith("1987-03") for h in march.hits)
    assert archive.search("cocoa date:1987-03").total == march.total, "a month is the range of its days"
    assert archive.explain("cocoa date:1987-03")[-1].startswith("every node evaluated with numpy"), \
        "dates are searched by the day column: a date has no terms"
    assert archive.search("year:unknown").total == 1


def test_date_options_sort_and_pages(reuters_index):
    march = search_json(reuters_index, "cocoa", "--from", "1987-03", "--to", "1987-03", "--facet", "month")
    assert march["facets"]["month"] == [{"value": "1987-03", "count": march["total"], "selected": False}]
    newest = search_json(reuters_index, "cocoa", "--sort", "newest", "--limit", "5")["hits"]
    dates = [h["published"] for h in newest]
    assert dates == sorted(dates, reverse=True)
    oldest = search_json(reuters_index, "cocoa", "--sort", "oldest", "--limit", "5")["hits"]
    assert [h["published"] for h in oldest] == sorted(h["published"] for h in oldest)
    page1 = search_json(reuters_index, "cocoa", "--limit", "5")
    page2 = search_json(reuters_index, "cocoa", "--limit", "5", "--page", "2")
    assert page2["hits"][0]["rank"] == 6 and not {h["id"] for h in page1["hits"]} & {h["id"] for h in page2["hits"]}
    assert page1["pages"] == 26


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_undated_articles_come_last_in_date_order(archive, sort):
    query = "year:unknown OR cocoa"  # the corpus's one undated article and 127 dated ones
    results = archive.search(query, sort=sort, limit=200)
    dates = [hit.article.published for hit in results.hits]
    assert results.total == 128 and dates[-1:] == [None] and None not in dates[:-1]
    assert dates[:-1] == sorted(dates[:-1], reverse=sort == "newest")


def test_histogram_by_month_is_in_time_order(archive):
    months = [v.value for v in archive.search("cocoa", facets=["month"]).facets[0].values]
    assert months == sorted(months) and months[0] >= "1987-02"


def test_collapse_reprints(archive):
    counts = archive.fieldmap("reprint")
    assert len(counts.values) < archive.search().total, "the Reuters corpus holds repeated stories"
    full = archive.search()
    collapsed = archive.search(collapse_reprints=True, limit=50)
    assert collapsed.total == len(counts.values) < full.total
    groups = [h.reprint_group for h in collapsed.hits]
    assert len(groups) == len(set(groups)) == 50


def test_snippets_are_highlighted_on_a_terminal_only(reuters_index):
    piped = run_cli("search", "cocoa", "--index", str(reuters_index), "--limit", "2")
    assert piped.returncode == 0 and "\x1b[" not in piped.stdout
    assert piped.stdout.startswith("1-2 of 127 articles for 'cocoa'")
    data = search_json(reuters_index, "cocoa", "--limit", "2")
    assert "<mark>cocoa</mark>" in data["hits"][0]["snippet_html"].lower()


def test_did_you_mean(reuters_index):
    data = search_json(reuters_index, "cocao")
    assert data["total"] == 0 and data["suggestion"] == "cocoa"
    table = run_cli("search", "cocao", "--index", str(reuters_index))
    assert "Did you mean: cocoa?" in table.stdout


def test_csv_output(reuters_index):
    result = run_cli("search", "cocoa", "--index", str(reuters_index), "--format", "csv", "--limit", "3")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3 and rows[0]["rank"] == "1" and rows[0]["agency"] == "Reuters"


@pytest.mark.parametrize("query, message", [
    ("title:(", "unclosed '(' at column 7"),
    ("cocoa)", "unmatched ')' at column 6"),
    ('"cocoa prices', "unclosed quote"),
    ("foo:bar", "unknown field 'foo' at column 1"),
    ("date:[1987-03-01 TO yesterday]", "bad date 'yesterday'"),
    ("title: cocoa", "has no value"),
    ("cocoa -foo:bar", "unknown field 'foo' at column 8"),  # columns of the text as typed
    ("cocoa date:[1987-03-01 TO 1987-02-30]", "day is out of range for month at column 12"),
])
def test_malformed_queries_exit_2_with_one_line(reuters_index, query, message):
    result = run_cli("search", query, "--index", str(reuters_index))
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--from", "1987-02-30"], "bad date '1987-02-30'"),
    (["--to", "March"], "bad date 'March'"),
    (["--facet", "colour"], "unknown facet 'colour'"),
    (["--place", "brasil"], "no article has place 'brasil'; did you mean brazil"),
    (["--agency", "Reuterz"], "did you mean Reuters"),
    (["--from", "1987-04", "--to", "1987-03"], "--from 1987-04 is after --to 1987-03"),
])
def test_bad_options_exit_2(reuters_index, args, message):
    result = run_cli("search", "cocoa", *args, "--index", str(reuters_index))
    assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1


def test_missing_index_says_how_to_build_one(tmp_path):
    result = run_cli("search", "cocoa", "--index", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "build one with: dateline index SOURCES... --index" in result.stderr


def test_python_api_rejects_bad_input(archive):
    with pytest.raises(QueryError):
        archive.search("cocoa", sort="sideways")
    with pytest.raises(QueryError):
        archive.search("cocoa", filters={"colour": ["red"]})


def test_every_filter_option_on_the_command_line(reuters_index):
    total = search_json(reuters_index, "cocoa")["total"]
    assert search_json(reuters_index, "cocoa", "--agency", "reuters")["total"] == total
    xinhua = run_cli("search", "cocoa", "--agency", "Xinhua", "--index", str(reuters_index))
    assert xinhua.returncode == 2 and "no article has agency 'Xinhua'" in xinhua.stderr, "not a silent 0"
    assert search_json(reuters_index, "cocoa", "--license", "LicenseRef-Reuters-21578")["total"] == total
    assert search_json(reuters_index, "cocoa", "--lang", "en")["total"] == total
    assert run_cli("search", "cocoa", "--lang", "fa", "--index", str(reuters_index)).returncode == 2
    london = search_json(reuters_index, "cocoa", "--dateline", "london", "--facet", "dateline")
    assert 0 < london["total"] < total
    assert {h["dateline"] for h in london["hits"]} == {"LONDON"}
    collapsed = search_json(reuters_index, "--collapse-reprints")
    assert collapsed["collapsed"] and collapsed["total"] < search_json(reuters_index)["total"]


def _on_a_terminal(*args: str, **env: str) -> str:
    """What `dateline` writes to a real terminal (a pseudo-terminal of 24 lines, PAGER=cat)."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    environment = {**os.environ, "PAGER": "cat", "LINES": "24", "COLUMNS": "100", **env}
    if "NO_COLOR" not in env:
        environment.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "dateline", *args], stdout=follower, stderr=follower,
                               stdin=follower, env=environment)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=60)
    os.close(leader)
    return output.decode("utf-8", "replace")


def test_colour_and_pager_on_a_terminal_only_and_no_color_honoured(reuters_index):
    coloured = _on_a_terminal("search", "cocoa", "--limit", "2", "--index", str(reuters_index))
    assert "\x1b[1;33m" in coloured and " 2. " in coloured
    plain = _on_a_terminal("search", "cocoa", "--limit", "2", "--facet", "place", "--index", str(reuters_index),
                           NO_COLOR="1")
    assert "\x1b[1;33m" not in plain and " 2. " in plain
    lines = plain.replace("\r", "").splitlines()
    assert max(len(line) for line in lines) <= 100, "wrapped to the terminal's 100 columns"
    assert len([line for line in lines if line.startswith("     ") and "Reuters" not in line]) >= 4, "snippets wrap"
    words = " ".join(lines).split()
    assert "west-germany" in words and "ivory-coast" in words, "broken between words, never inside one"
    marker = "paged by the pager"
    paged = _on_a_terminal("search", "cocoa", "--limit", "20", "--index", str(reuters_index),
                           PAGER=f"sh -c 'echo {marker}; cat'")
    assert marker in paged and "20. " in paged, "a listing taller than the terminal goes through $PAGER, whole"


def test_relevance_model_weighs_each_documents_word_shares_by_its_score():
    from dateline.search.feedback import relevance_model

    documents = [(Counter({"cocoa": 2, "crop": 1, "x": 1}), 2.0), (Counter({"cocoa": 1, "bean": 1}), 1.0)]
    model = relevance_model(documents, words=2, usable=lambda word: len(word) > 1)
    cocoa, crop = 2 / 4 * 2.0 + 1 / 2 * 1.0, 1 / 4 * 2.0  # bean's 0.5 ties crop's; the first kept wins
    assert model == pytest.approx({"cocoa": cocoa / (cocoa + crop), "crop": crop / (cocoa + crop)})
    assert relevance_model([(Counter(), 1.0)], words=10, usable=lambda word: True) == {}


def test_feedback_finds_articles_in_other_words_and_keeps_exclusions(reuters_index):
    """RM3: words of the best matches join the query. An implicit AND of words is widened (articles
    without `harvest` are found); a NOT still excludes, so there feedback only reorders."""
    from dateline.search.feedback import RM3
    from dateline.search.plan import Ranking

    with Archive(reuters_index) as plain, Archive(reuters_index, ranking=Ranking(feedback=RM3())) as fed:
        before, after = plain.search("cocoa harvest", limit=1000), fed.search("cocoa harvest", limit=1000)
        assert after.total > before.total
        assert {h.id for h in before.hits} <= {h.id for h in after.hits}
        assert any("harvest" not in (h.article.title + h.article.body).lower() for h in after.hits)
        excluded = fed.search("cocoa -brazil", limit=1000)
        assert excluded.total == plain.search("cocoa -brazil").total
        assert not any(re.search(r"\bbrazils?\b", h.article.title + h.article.body, re.I) for h in excluded.hits)
        assert fed.search("cocoa", sort="newest").total == plain.search("cocoa").total  # unscored: as typed
    widened = search_json(reuters_index, "cocoa harvest", "--feedback")
    assert widened["total"] == after.total and widened["hits"][0]["id"] == after.hits[0].id


WALK = """
import json, sys
from dateline.indexer.engine.segments import mapped_bytes
from dateline.search import Archive
from dateline.search import archive as archive_module

archive_module.MAPPED_BUDGET = int(sys.argv[2])
with Archive(sys.argv[1]) as archive:
    start, peak, ids = mapped_bytes(), 0, []
    for number, (article, _group) in enumerate(getattr(archive, sys.argv[3])()):
        ids.append(article.id)
        if number % 250 == 0:
            peak = max(peak, mapped_bytes() - start)
print(json.dumps([peak / 2**20, ids]))
"""


@pytest.mark.parametrize("walk", ["iter_articles", "export"])
def test_a_walk_over_every_article_keeps_the_index_pages_it_read_within_a_budget(reuters_index, walk):
    """iter_articles (the site's article pages) and export (a saved query's download, `dateline
    export`) read every stored article from the memory-mapped index; past MAPPED_BUDGET the pages
    it read are given back, so the walk's resident file pages stay bounded where they grew with the
    index, and the articles are the same. Each walk is a new process: another archive open in this
    one maps the same files."""
    import subprocess
    import sys

    walks = {}
    for budget in (2**40, 4 * 2**20):
        result = subprocess.run([sys.executable, "-c", WALK, str(reuters_index), str(budget), walk],
                                capture_output=True, text=True, timeout=300, check=True)
        walks[budget] = json.loads(result.stdout)
    (kept, ids_kept), (bounded, ids_bounded) = walks[2**40], walks[4 * 2**20]
    assert ids_kept == ids_bounded and len(ids_kept) > 19_000
    assert kept > 10 and bounded < kept / 2, (kept, bounded)


def test_the_first_hits_are_those_of_a_whole_sort(archive):
    """The best `top` documents, found by narrowing to a bound from runs' minima before sorting, are
    the first `top` of a sort of every match by key then document number, ties and all."""
    rng = np.random.default_rng(7)
    for size, distinct, dtype in [(100_000, 50, np.int64), (100_000, 100_000, np.float64), (3_000, 5, np.float64),
                                  (50, 3, np.int64)]:
        docs = np.sort(rng.choice(size * 2, size, replace=False))
        keys = rng.integers(0, distinct, size).astype(dtype)
        whole = docs[np.lexsort((docs, keys))]
        for top in (1, 10, 100, 1000):
            assert archive._ordered(docs, keys, top).tolist() == whole[:top].tolist(), (size, distinct, top)


def test_facet_counts_a_value_at_a_time_are_bincounts(monkeypatch):
    from dateline.search import facets
    from dateline.search.facets import FieldMap

    rng = np.random.default_rng(3)
    docs = rng.integers(0, 20_000, 50_000).astype(np.int32)
    for values in (1, 7, 300):
        ordinals = (rng.integers(0, values, 50_000) // 2 * 2).astype(np.int32)  # odd values have no document
        fieldmap = FieldMap(np.array([f"v{n}" for n in range(values)]), docs, ordinals, 20_000)
        mask = rng.random(20_000) < 0.3
        expected = np.bincount(fieldmap.ordinals[mask[fieldmap.docs]], minlength=values)
        assert fieldmap.counts(mask).tolist() == expected.tolist()
        monkeypatch.setattr(facets, "FEW_VALUES", 0)
        assert fieldmap.counts(mask).tolist() == expected.tolist()
        monkeypatch.undo()


def test_an_archive_that_released_its_memory_answers_as_before(reuters_index):
    """A site build releases the archive's arrays before Pagefind runs; anything asked afterwards is
    answered alike, its arrays read again from the cache files."""
    with Archive(reuters_index) as archive:
        asked = dict(facets=["place", "year"], sort="newest", collapse_reprints=True, limit=20)
        before = archive.search("cocoa OR coffee", **asked)
        assert archive._maps and archive._merged and archive._arrays._arrays and len(archive._postings)
        archive.release_memory()
        assert not (archive._maps or archive._merged or archive._arrays._arrays or len(archive._postings))
        after = archive.search("cocoa OR coffee", **asked)
    assert after.total == before.total and after.facets == before.facets
    assert [(h.article.id, h.reprint_count) for h in after.hits] == [(h.article.id, h.reprint_count) for h in before.hits]
