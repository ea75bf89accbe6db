"""The static site, built from the Reuters index and opened in headless Chromium as a reader would."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest

from .conftest import OUTPUT, REUTERS, SEEDS, SHARED, built_once, run_cli

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = OUTPUT / "screenshots"


@pytest.fixture(scope="session")
def reuters_site(tmp_path_factory, reuters_index) -> Path:
    """Built once for the run's workers; its tests only read it."""
    with built_once(tmp_path_factory, "reuters-site") as (out, build):
        if build:
            result = run_cli("site", str(out), "--index", str(reuters_index), "--query", "Cocoa=cocoa",
                             "--query", "Oil prices=\"oil prices\"")
            assert result.returncode == 0, result.stderr
            assert "search index built" in result.stderr
            assert f"Open {(out / 'index.html').as_uri()}" in result.stderr
    return out


@contextmanager
def serving(site: Path) -> Iterator[str]:
    """`dateline serve SITE` on a free port of 127.0.0.1, as a user runs it for search; its URL."""
    process = subprocess.Popen([sys.executable, "-m", "dateline", "serve", str(site), "--port", "0"],
                               stderr=subprocess.PIPE, text=True)
    try:
        yield re.search(r"http://127\.0\.0\.1:\d+/", process.stderr.readline()).group()
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def served(reuters_site):
    with serving(reuters_site) as url:
        yield url


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


PARTIAL = "searched so far"  # the status of a search that has read some of the parts only


def searched(page, pattern: str = r"\d+ articles?", whole: bool = True) -> int:
    """The count the search page reports once its search has run; with `whole`, in every part of a
    sharded index (the page stops at the first parts that give a page of results)."""
    status = page.locator("#status", has_text=re.compile(f"(?:{pattern})|{PARTIAL}"))
    status.wait_for(timeout=60000)
    if whole and page.locator("#whole").is_visible():
        page.locator("#whole").click()
        status = page.locator("#status", has_text=re.compile(pattern)).filter(has_not_text=PARTIAL)
        status.wait_for(timeout=60000)
    return int(re.search(r"(\d+) articles?", status.inner_text()).group(1))


@pytest.mark.browser
def test_pagefind_finds_an_article_that_is_only_a_headline(served, page):
    """1,501 Reuters articles have no body; their headline is what search must find."""
    page.goto(served + "search.html")
    page.locator("#q").fill("northern telecom split")
    title = page.locator("#results h3", has_text="NORTHERN TELECOM PROPOSES TWO-FOR-ONE STOCK SPLIT")
    title.first.wait_for(timeout=60000)


@pytest.mark.browser
def test_a_search_is_in_the_address_and_from_disk_says_why_it_cannot_run(served, reuters_site, page):
    page.goto(served + "search.html?q=volcker")
    assert searched(page, "for “volcker”") == 122
    assert page.locator("#q").input_value() == "volcker"
    page.locator("#q").fill("cocoa")
    page.wait_for_function("() => location.search === '?q=cocoa'")
    page.goto((reuters_site / "search.html").as_uri())
    assert "Search does not work from disk" in page.locator("#status").inner_text(timeout=10000)


@pytest.mark.browser
def test_search_finds_what_the_command_line_finds(served, reuters_index, page):
    """The same words, the same articles: headline and text, stemmed alike, a date range by month."""
    def cli_total(*args: str) -> int:
        result = run_cli("search", *args, "--index", str(reuters_index), "--format", "json", "--limit", "1")
        return json.loads(result.stdout)["total"]

    for words in ("cocoa", "volcker", "coffee brazil", "yen", "northern telecom split", "interest rates"):
        page.goto(served + "search.html?" + urlencode({"q": words}))
        assert searched(page, f"for “{words}”") == cli_total(words), words
    page.goto(served + "search.html?q=cocoa&from=1987-03&to=1987-04")
    assert searched(page, "for “cocoa”") == cli_total("cocoa", "--from", "1987-03-01", "--to", "1987-04-30") == 112


@pytest.mark.browser
def test_filters_sort_and_range_live_in_the_address_and_the_back_button_undoes_them(served, page):
    page.goto(served + "search.html?q=cocoa")
    everything = searched(page, "for “cocoa”")
    page.locator("summary", has_text=re.compile(r"^Place")).click()
    labels = page.locator("#filters details[open] li")
    assert labels.filter(has_text=re.compile(r"\(\d+\)")).count() > 5, "values are listed with their counts"
    assert labels.filter(has_text=re.compile(r"\(0\)")).count() == 0, "a value no result has is not listed"
    counts = [int(n) for n in re.findall(r"\((\d+)\)", " ".join(labels.all_inner_texts()))]
    assert counts == sorted(counts, reverse=True), "largest first"
    page.locator("#filters label", has_text=re.compile(r"^brazil$")).click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('place') === 'brazil'")
    narrowed = searched(page, r"^\d+ articles? for “cocoa”\.$")
    assert 0 < narrowed < everything
    first = page.locator("#results li").first.inner_text()
    assert re.search(r"1987-\d\d-\d\d · Reuters · [A-Z]", first), "a result shows its date, agency and dateline"
    chip = page.locator("#active .chip", has_text="Place: brazil")
    assert chip.is_visible(), "an active filter shows while its list is closed"
    page.locator("#filters summary", has_text=re.compile(r"^Place")).click()
    assert chip.is_visible()

    page.select_option("#sort", "newest")
    page.wait_for_function("() => new URL(location.href).searchParams.get('sort') === 'newest'")
    searched(page, "date order")
    page.locator("#results li").nth(min(narrowed, 20) - 1).wait_for()
    dates = re.findall(r"(1987-\d\d-\d\d) ·", page.locator("#results").inner_text())
    assert dates and dates == sorted(dates, reverse=True), "newest first"
    shot(page, "search")

    page.go_back()  # the order undone
    page.wait_for_function("() => !new URL(location.href).searchParams.has('sort')")
    assert page.locator("#sort").input_value() == ""
    page.go_back()  # the filter undone
    page.wait_for_function("() => !new URL(location.href).searchParams.has('place')")
    assert searched(page, r"^\d+ articles? for “cocoa”\.$") == everything
    assert page.locator("#active .chip").count() == 0

    page.goto(served + "search.html?q=cocoa&place=brazil")
    assert searched(page, r"for “cocoa”\.$") == narrowed, "a shared address gives the same search"
    page.locator("#active .chip", has_text="Place: brazil").click()
    assert searched(page, r"^\d+ articles? for “cocoa”\.$") == everything


@pytest.mark.browser
def test_a_persian_query_on_a_mixed_site_finds_both_spellings(tmp_path, browser):
    """English and Persian pages are indexed per language and searched together; Persian and Arabic
    letters (ایران, ايران) are folded on both sides, as the command line folds them."""
    arabic_letters = {**PERSIAN, "id": "fa2", "title": "سفر وزير به ايران",
                      "body": "تهران - وزير خارجه روز پنجشنبه به ايران سفر کرد و با مقامات ايراني ديدار کرد."}
    persian = {**PERSIAN, "title": "تصویب بودجه در مجلس ایران"}
    index, out = _small_site(tmp_path, [HOSTILE, persian, arabic_letters])
    run_cli("site", str(out), "--index", str(index), check=True)
    cli = json.loads(run_cli("search", "ایران", "--index", str(index), "--format", "json").stdout)["total"]
    assert cli == 2
    with serving(out) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for spelling in ("ایران", "ايران"):
            page.goto(url + "search.html?" + urlencode({"q": spelling}))
            assert searched(page, f"for “{spelling}”") == cli, spelling
        assert page.locator("#results li[lang=fa]").count() == 2
        page.goto(url + "search.html?q=budget")
        assert searched(page, "for “budget”") >= 1, "the English index is searched too"
        page.close()


@pytest.mark.browser
def test_each_language_is_searched_with_its_own_stemmer(tmp_path, browser):
    """Pagefind indexes Arabic pages with its Arabic stemmer; a query run through an English-first
    instance's stemmer missed words the Arabic one changes (النفط, الخارجية), so each language's index
    is searched by an instance of its own. English, Arabic and Persian words, each as the command
    line counts them; an English filter and a date order still work across the instances."""
    arabic = [{"id": "ar1", "title": "وزير الخارجية يزور طهران", "language": "ar", "agency": "SANA",
               "published": "2021-05-10", "body": "وصل وزير الخارجية إلى طهران يوم الخميس في زيارة رسمية لبحث "
                                                   "العلاقات الثنائية مع المسؤولين."},
              {"id": "ar2", "title": "ارتفاع أسعار النفط", "language": "ar", "agency": "SANA",
               "published": "2021-05-11", "body": "ارتفعت أسعار النفط يوم الثلاثاء مع تقييم المتداولين "
                                                   "لتخفيضات الإمدادات من الدول المنتجة."}]
    index, out = _small_site(tmp_path, [HOSTILE, PERSIAN, *arabic])
    run_cli("site", str(out), "--index", str(index), check=True)
    languages = json.loads((out / "pagefind" / "pagefind-entry.json").read_text())["languages"]
    assert {"en", "ar", "fa"} <= set(languages) and languages["ar"]["wasm"] == "ar"
    with serving(out) as url:
        page = browser.new_page()
        for word in ("النفط", "الخارجية", "أسعار", "بودجه", "budget", "palestinians"):
            cli = json.loads(run_cli("search", word, "--index", str(index), "--format", "json").stdout)["total"]
            page.goto(url + "search.html?" + urlencode({"q": word}))
            assert searched(page, f"for “{word}”") == cli > 0, word
        page.goto(url + "search.html?" + urlencode({"from": "2021-05", "to": "2021-05", "sort": "newest"}))
        assert searched(page, "date order") == 4, "English, Persian and Arabic articles of the month"
        page.locator("#results li").nth(3).wait_for()
        dates = re.findall(r"(20\d\d-\d\d-\d\d) ·", page.locator("#results").inner_text())
        assert dates == ["2021-05-12", "2021-05-12", "2021-05-11", "2021-05-10"], "newest first across languages"
        page.close()


@pytest.mark.browser
def test_a_missing_or_empty_search_index_is_said_plainly(tmp_path, browser):
    """A site built with --no-search, or whose search-bundles.json lists no bundle, says in one line
    what is wrong and how to mend it; browsing still works."""
    index, out = _small_site(tmp_path, [HOSTILE])
    run_cli("site", str(out), "--index", str(index), "--no-search", check=True)
    with serving(out) as url:
        page = browser.new_page()
        for bundles in (None, "[]"):
            if bundles is not None:
                (out / "search-bundles.json").write_text(bundles)
            page.goto(url + "search.html?q=budget")
            page.locator("#status", has_text="The search index is missing or unreadable").wait_for(timeout=30000)
        page.goto(url + "index.html")
        assert page.locator("h1").inner_text() == "Dateline archive"
        page.close()


def test_months_open_their_days_and_a_day_lists_its_articles(reuters_site, reuters_index):
    month = (reuters_site / "browse" / "month" / "1987-03" / "index.html").read_text()
    assert 'href="../../day/1987-03/index.html">By day</a>' in month
    days = (reuters_site / "browse" / "day" / "1987-03" / "index.html").read_text()
    counted = {day: int(n) for day, n in re.findall(r'>(1987-03-\d\d)</a> <span class="count">(\d+)', days)}
    march = json.loads(run_cli("search", "--from", "1987-03-01", "--to", "1987-03-31", "--index", str(reuters_index),
                               "--format", "json", "--limit", "1").stdout)["total"]
    assert sum(counted.values()) == march and len(counted) > 20
    busiest = max(counted, key=counted.get)
    first = (reuters_site / "browse" / "day" / busiest / "index.html").read_text()
    assert f"{counted[busiest]} articles, newest first." in first
    assert f'Page 1 of {-(-counted[busiest] // 50)}' in first, "a busy day is paged"
    dates = re.findall(r'<p class="meta">(1987-\d\d-\d\d) ·', first)
    assert set(dates) == {busiest} and len(dates) == 50


@pytest.mark.browser
def test_click_from_home_to_facet_to_article_and_back(reuters_site, page):
    page.goto((reuters_site / "index.html").as_uri())
    assert page.locator("h1").inner_text() == "Dateline archive"
    assert "20000 articles, dated 1987-02-26 to 1987-10-19" in page.locator(".lead").inner_text()
    assert page.locator("svg.timeline rect").count() == 9, "a bar per month, Feb to Oct 1987, gaps included"
    shot(page, "home")

    page.get_by_role("navigation", name="Site").get_by_role("link", name="Topics").click()
    assert page.locator("h1").inner_text() == "Topic"
    page.get_by_role("link", name="cocoa", exact=True).click()
    assert page.locator("h1").inner_text() == "cocoa"
    assert "articles, newest first" in page.locator("main").inner_text()
    shot(page, "facet")

    first = page.locator("ol.hits h3 a").first
    title = first.inner_text()
    first.click()
    assert page.locator("h1").inner_text() == title
    metadata = page.locator("dl.metadata").inner_text()
    assert "Reuters" in metadata and "cocoa" in metadata
    attribution = page.locator(".attribution").inner_text()
    assert "Reuters-21578" in attribution and '"Reuter" signature' in attribution
    assert "editor initials" not in attribution, "no change is claimed that was not made"
    assert "sha256:" in page.locator(".provenance").inner_text()
    shot(page, "article")

    page.go_back()
    assert page.locator("h1").inner_text() == "cocoa"


@pytest.mark.browser
def test_saved_query_page_shows_counts_and_highlights(reuters_site, page):
    page.goto((reuters_site / "queries" / "cocoa.html").as_uri())
    assert "127 articles" in page.locator("main p").first.inner_text()
    assert page.locator("ol.hits mark").count() > 0
    assert "uk" in page.locator("section.facet").filter(has_text="Place").inner_text()
    shot(page, "query")


@pytest.mark.browser
def test_saved_query_pages_page_through_every_result_narrow_and_download(reuters_site, page):
    """127 cocoa articles: three pages of 50, facet links that keep the query, month bars that
    open the query's month, and the whole result set beside the page."""
    ranks = []
    page.goto((reuters_site / "queries" / "cocoa.html").as_uri())
    while True:
        ranks += [int(n) for n in page.locator("ol.hits").evaluate(
            "list => [...list.children].map((item, i) => list.start + i)")]
        following = page.get_by_role("link", name="Next →")
        if not following.count():
            break
        following.click()
    assert ranks == list(range(1, 128)) and "Page 3 of 3" in page.locator("nav.pager").inner_text()

    page.goto((reuters_site / "queries" / "cocoa.html").as_uri())
    page.locator("section.facet").filter(has_text="Place").get_by_role("link", name="brazil").click()
    assert page.locator("h1").inner_text() == "Cocoa: brazil"
    assert "9 articles" in page.locator("main p").first.inner_text()
    assert page.locator("ol.hits > li").count() == 9 and page.locator("ol.hits mark").count() > 0
    agency = page.locator("section.facet").filter(has_text="Agency")
    assert agency.get_by_role("link").count() == 0, "values of other facets would drop the narrowing"
    page.get_by_role("link", name="All Cocoa results").click()
    assert page.locator("h1").inner_text() == "Cocoa"

    bar = page.locator("svg.timeline a").first
    assert "of" in bar.get_attribute("aria-label") and "%" in bar.get_attribute("aria-label")
    bar.click()
    assert page.locator("h1").inner_text().startswith("Cocoa: 1987-")
    shot(page, "query-month")

    rows = (reuters_site / "queries" / "cocoa.csv").read_text(encoding="utf-8")
    assert len(list(csv.DictReader(io.StringIO(rows)))) == 127
    lines = (reuters_site / "queries" / "cocoa.jsonl").read_text(encoding="utf-8").splitlines()
    exported = [json.loads(line) for line in lines]
    assert len(exported) == 127 and all("cocoa" in f"{a['title']} {a['body']}".lower() for a in exported)


@pytest.mark.browser
@pytest.mark.parametrize("name", ["home", "facet", "article", "search", "query"])
def test_no_serious_accessibility_violations(reuters_site, served, page, name):
    assert AXE.exists(), "axe-core is installed by `make test` (npm ci --prefix tests)"
    paths = {"home": "index.html", "facet": "browse/topic/cocoa/index.html", "search": "search.html",
             "query": "queries/cocoa.html"}
    if name == "article":
        paths[name] = next((reuters_site / "articles").iterdir()).relative_to(reuters_site).as_posix()
    page.goto(served + paths[name])
    if name == "search":
        page.goto(served + "search.html?q=cocoa")
        searched(page)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("axe.run().then(r => r.violations.map(v => ({id: v.id, impact: v.impact})))")
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{name}: {serious}"


def _small_site(tmp_path, records: list[dict]) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records))
    index, out = tmp_path / "index", tmp_path / "site"
    run_cli("index", str(corpus), str(SEEDS), "--index", str(index), check=True)
    return index, out


HOSTILE = {"id": "x1", "title": "Budget <script>window.pwned = 1</script> vote",
           "body": "TEHRAN - Parliament passed the budget. <img src=x onerror=\"window.pwned = 2\"> Officials said so.",
           "agency": "IRNA", "published": "2021-05-12"}
PERSIAN = {"id": "fa1", "title": "تصویب بودجه در مجلس",
           "body": "تهران - نمایندگان مجلس شورای اسلامی روز چهارشنبه بودجه سال آینده را تصویب کردند و گفتند که این بودجه برای کشور مهم است.",
           "agency": "IRNA", "published": "2021-05-12", "language": "fa"}


def test_a_pages_words_are_what_pagefind_indexes_of_it(tmp_path):
    """The words of an article page given to the index of parts' words: its headline, text and
    the folded spellings (what data-pagefind-body holds), not the metadata Pagefind is told to
    ignore; its language is the page's html lang. Markup in the text stays words, as written."""
    from dateline.search.site.words import page_words

    index, out = _small_site(tmp_path, [HOSTILE, PERSIAN])
    run_cli("site", str(out), "--index", str(index), "--no-search", check=True)
    pages = {p.read_text().split("<h1", 1)[1][:120]: p.read_text() for p in (out / "articles").iterdir()}
    language, words = page_words(next(text for head, text in pages.items() if "Budget" in head))
    assert language == "en"
    assert {"Budget", "<script>window.pwned", "Parliament", "Officials", "onerror=\"window.pwned"} <= words
    assert not {"Published", "IRNA", "Agency", "Attribution", "Provenance"} & words
    language, words = page_words(next(text for head, text in pages.items() if "بودجه" in head))
    assert language == "fa" and {"تصویب", "بودجه", "نمایندگان"} <= words


@pytest.mark.browser
def test_article_text_is_escaped_and_never_runs(tmp_path, page):
    index, out = _small_site(tmp_path, [HOSTILE])
    run_cli("site", str(out), "--index", str(index), "--no-search", check=True)
    article = next(p for p in (out / "articles").iterdir() if "Budget" in p.read_text())
    page.goto(article.as_uri())
    assert page.evaluate("window.pwned") is None
    assert "<script>window.pwned = 1</script>" in page.locator("h1").inner_text()
    assert 'onerror="window.pwned = 2"' in page.locator(".body").inner_text()
    assert page.locator(".body img").count() == 0


@pytest.mark.browser
def test_a_hostile_article_found_by_search_shows_as_text(tmp_path, page):
    """The search page builds results from Pagefind's data with text nodes only: a headline or
    excerpt holding markup shows it and runs nothing."""
    index, out = _small_site(tmp_path, [HOSTILE])
    run_cli("site", str(out), "--index", str(index), check=True)
    with serving(out) as url:
        page.goto(url + "search.html?q=budget")
        assert searched(page, "for “budget”") == 1
        assert "<script>window.pwned = 1</script>" in page.locator("#results h3").inner_text()
        assert page.locator("#results script, #results img").count() == 0
        assert page.evaluate("window.pwned") is None


def test_persian_articles_render_right_to_left(tmp_path):
    index, out = _small_site(tmp_path, [PERSIAN])
    run_cli("site", str(out), "--index", str(index), "--no-search", check=True)
    pages = [p.read_text() for p in (out / "articles").iterdir()]
    persian = next(p for p in pages if "بودجه" in p)
    assert '<html lang="fa" dir="rtl">' in persian
    english = next(p for p in pages if "Palestinians" in p)
    assert '<html lang="en" dir="ltr">' in english


def test_rebuild_rewrites_only_changed_pages_and_links_are_relative(tmp_path):
    index, out = _small_site(tmp_path, [HOSTILE])
    first = run_cli("site", str(out), "--index", str(index), "--no-search", check=True)
    written = int(re.search(r"(\d+) pages written", first.stderr).group(1))
    again = run_cli("site", str(out), "--index", str(index), "--no-search", check=True)
    assert f"0 pages written, {written} unchanged (skipped)" in again.stderr
    permalinks = sorted(p.name for p in (out / "articles").iterdir())

    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps({**PERSIAN, "id": "fa2"}, ensure_ascii=False))
    run_cli("index", str(more), "--index", str(index), check=True)
    third = run_cli("site", str(out), "--index", str(index), "--no-search", check=True)
    rewritten = int(re.search(r"(\d+) pages written", third.stderr).group(1))
    assert 0 < rewritten < written, "only pages whose content changed are written"
    assert set(permalinks) < {p.name for p in (out / "articles").iterdir()}, "old permalinks survive"

    for html_file in out.rglob("*.html"):
        for href in re.findall(r'href="([^"]+)"', html_file.read_text()):
            assert not href.startswith("/"), f"{html_file}: absolute link {href}"
            assert href.startswith(("http://", "https://")) or not re.match(r"\w+:", href)


def test_a_rebuild_with_nothing_changed_leaves_the_search_index_and_a_change_replaces_it_whole(tmp_path):
    """No page changed: Pagefind does not run again. A change: a new bundle replaces the old one, so
    no index file of the old build is left; pages of articles gone from the archive are removed."""
    index, out = _small_site(tmp_path, [HOSTILE, PERSIAN])
    run_cli("site", str(out), "--index", str(index), check=True)
    bundle = out / "pagefind"
    before = {p.relative_to(bundle): p.stat().st_mtime_ns for p in bundle.rglob("*") if p.is_file()}
    assert any(p.parts[0] == "fragment" for p in before)
    again = run_cli("site", str(out), "--index", str(index), check=True)
    assert "0 pages written" in again.stderr and "search index unchanged (no page changed)" in again.stderr
    assert {p.relative_to(bundle): p.stat().st_mtime_ns for p in bundle.rglob("*") if p.is_file()} == before

    kept = tmp_path / "kept.jsonl"
    kept.write_text(json.dumps(HOSTILE))
    run_cli("index", str(kept), str(SEEDS), "--index", str(tmp_path / "smaller"), check=True)
    third = run_cli("site", str(out), "--index", str(tmp_path / "smaller"), check=True)
    assert "removed (no longer in the archive)" in third.stderr and "search index built" in third.stderr
    after = {p.relative_to(bundle) for p in bundle.rglob("*") if p.is_file()}
    fragments = {p for p in after if p.parts[0] == "fragment"}
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    assert len(fragments) == sum(language["page_count"] for language in entry["languages"].values())
    assert any(p.name.startswith("fa_") for p in before) and not any(p.name.startswith("fa_") for p in after)
    assert not any("بودجه" in p.read_text() for p in (out / "articles").iterdir()), "the removed article's page"
    assert not (out / "pagefind.new").exists() and not (out / "pagefind.old").exists()


def test_a_new_pagefind_builds_the_search_index_anew(tmp_path, monkeypatch):
    """The search page loads one pagefind.js for every bundle: bundles of an older Pagefind beside it
    would be read by code that does not know their format, so a new version rebuilds them all."""
    from dateline.search import site
    from dateline.search.archive import Archive

    index, out = _small_site(tmp_path, [HOSTILE, PERSIAN])
    with Archive(index) as archive:
        site.build_site(archive, out)
        built = (out / "pagefind" / site.BUILT_FROM).read_text()
        assert site.build_site(archive, out).search_unchanged
        monkeypatch.setattr(site, "pagefind_version", lambda: "1.99.0")
        again = site.build_site(archive, out)
    assert again.search_index and not again.search_unchanged
    assert (out / "pagefind" / site.BUILT_FROM).read_text() != built


def test_the_build_ledger_lists_every_page_on_disk_and_never_the_builders_paths(tmp_path):
    """What a build made is kept in SQLite, not in memory: every file of the site's own folders, and a
    digest of the build's stamp (which names the index by its path on this machine)."""
    from dateline.search.site import SITE_FOLDERS
    from dateline.search.site.ledger import LEDGER, PageLedger

    index, out = _small_site(tmp_path, [HOSTILE, PERSIAN])
    out.mkdir()
    (out / ".dateline-build.json").write_text(json.dumps({"stamp": str(index), "pages": []}))  # its forerunner
    run_cli("site", str(out), "--index", str(index), "--query", "Budget=budget", check=True)
    ledger = PageLedger(out / LEDGER)
    on_disk = {p.relative_to(out).as_posix() for folder in SITE_FOLDERS for p in (out / folder).rglob("*")
               if p.is_file()}
    top = {"style.css", "search.js", "index.html", "search.html"}
    assert set(ledger.paths()) == on_disk | top
    assert len(ledger) == len(on_disk) + len(top) and ledger.article_count() == len(list((out / "articles").iterdir()))
    ledger.close()
    assert str(tmp_path) not in (out / LEDGER).read_bytes().decode("utf-8", "replace")
    assert not (out / ".dateline-build.json").exists()


def test_a_damaged_build_ledger_costs_one_full_build_and_nothing_else(tmp_path):
    from dateline.search.site.ledger import LEDGER

    index, out = _small_site(tmp_path, [HOSTILE, PERSIAN])
    run_cli("site", str(out), "--index", str(index), check=True)
    (out / LEDGER).write_bytes(b"not a database at all" * 100)
    again = run_cli("site", str(out), "--index", str(index), check=True)
    assert re.search(r"0 pages written, \d+ unchanged", again.stderr), again.stderr
    assert "search index unchanged" in again.stderr, "the shards' pages are as they were built"
    third = run_cli("site", str(out), "--index", str(index), check=True)
    assert "search index unchanged (no page changed)" in third.stderr, "the ledger was made anew"


def test_a_second_build_of_a_site_being_built_is_one_line(tmp_path):
    from dateline.errors import DatelineError
    from dateline.search.archive import Archive
    from dateline.search.site import build_site
    from dateline.search.site.ledger import LEDGER, PageLedger

    index, out = _small_site(tmp_path, [HOSTILE, PERSIAN])
    out.mkdir()
    building = PageLedger(out / LEDGER)
    building.start()
    building.record("index.html", "0" * 64)  # a build under way holds the ledger
    with Archive(index) as archive, pytest.raises(DatelineError, match="another build is writing it"):
        build_site(archive, out)
    building.close()


def test_progress_knows_the_total_before_the_first_page(tmp_path):
    from dateline.search.archive import Archive
    from dateline.search.site import build_site

    index, out = _small_site(tmp_path, [HOSTILE, PERSIAN])
    steps: list[tuple[str, int, int]] = []
    with Archive(index) as archive:
        report = build_site(archive, out, {"Budget": "budget"}, on_progress=lambda *step: steps.append(step))
    pages = [step for step in steps if step[0] == "pages"]
    assert len({total for _, _, total in pages}) == 1, "one total, known from the start"
    assert pages[-1][1] == pages[-1][2] == len(pages) == report.written - 2, "and stylesheet and script"
    assert steps[-1] == ("search index", 0, 1)


def test_bad_saved_queries_fail_clearly(tmp_path, reuters_index):
    queries = tmp_path / "queries.txt"
    queries.write_text("# saved\nCocoa=cocoa\nbroken line\n")
    result = run_cli("site", str(tmp_path / "out"), "--index", str(reuters_index), "--queries", str(queries))
    assert result.returncode == 2 and "queries.txt:3: expected NAME=QUERY" in result.stderr
    result = run_cli("site", str(tmp_path / "out"), "--index", str(reuters_index), "--query", "Bad=title:(")
    assert result.returncode == 2 and "unclosed '('" in result.stderr
    assert not (tmp_path / "out" / "index.html").exists(), "nothing is written for a malformed query"


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_right_to_left_pages_fit_the_window(tmp_path, browser, width):
    index, out = _small_site(tmp_path, [{**PERSIAN, "abstract": "نمایندگان مجلس بودجه سال آینده را تصویب کردند.",
                                         "dateline": "تهران"}])
    run_cli("site", str(out), "--index", str(index), "--no-search", check=True)
    persian = next(p for p in (out / "articles").iterdir() if "بودجه" in p.read_text())
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(persian.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") == width, "the skip link widened RTL pages"
    assert page.locator("p.standfirst").inner_text().startswith("نمایندگان"), "the lead is shown"
    shot(page, f"persian-{width}")
    listing = next(p for p in (out / "browse" / "dateline").glob("*/index.html") if "<h1><bdi>تهران" in p.read_text())
    page.goto(listing.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") == width
    assert page.locator("h1 bdi").inner_text() == "تهران", "a right-to-left value is isolated in English text"
    page.goto((out / "browse" / "dateline" / "index.html").as_uri())
    assert page.locator("ul.columns li bdi", has_text="تهران").count() == 1
    context.close()


def test_attribution_states_only_what_was_done_to_each_article(tmp_path):
    plain = {"id": "p1", "title": "Budget vote", "body": "Parliament passed the budget on Wednesday.",
             "agency": "IRNA", "license": "CC BY 4.0"}
    index, out = _small_site(tmp_path, [plain])
    run_cli("site", str(out), "--index", str(index), "--no-search", check=True)
    pages = {p.read_text().split("<h1", 1)[1][:200]: p.read_text() for p in (out / "articles").iterdir()}
    seed = next(text for head, text in pages.items() if "A large group of people" in head)
    record = next(text for head, text in pages.items() if "Budget vote" in head)
    assert "moved the dateline, the editor initials and the license sentence from the text" in seed
    assert "Changes: none to the wording" in record and "editor initials" not in record


def test_a_damaged_shard_word_list_is_said_in_one_line_and_made_anew(tmp_path, monkeypatch):
    """A shard's word list cut short (a disk fault; a killed build leaves only a .tmp) stops the
    words index with one line naming the file, keeps the shards, and the next build makes it again
    from the shard's pages, as it was."""
    from dateline.search.site import build_search

    index, out = tmp_path / "index", tmp_path / "site"
    run_cli("index", str(REUTERS / "reut2-000.sgm"), "--index", str(index), check=True)
    monkeypatch.setenv("DATELINE_SEARCH_SHARD_PAGES", "300")
    assert run_cli("site", str(out), "--index", str(index), process=True).returncode == 0
    damaged = out / "pagefind-1" / "dateline-words.json"
    before, parts = damaged.read_text(), (out / "pagefind-words" / "dateline-parts.json").read_text()
    damaged.write_text(before[:100])
    (out / "pagefind-words" / "dateline-parts.json").unlink()  # as though a shard had changed
    error, _unchanged = build_search(out, shard_pages=300)
    assert error and str(damaged) in error and "\n" not in error
    assert not damaged.exists() and (out / "pagefind-1" / "pagefind-entry.json").exists()
    assert build_search(out, shard_pages=300) == (None, True)
    assert damaged.read_text() == before
    assert (out / "pagefind-words" / "dateline-parts.json").read_text() == parts  # built again, from every shard
    assert json.loads((out / "pagefind-words" / "pagefind-entry.json").read_text())["languages"]


@pytest.mark.browser
def test_a_sharded_search_index_finds_what_one_index_finds_in_every_language(tmp_path, browser, monkeypatch):
    """Real English and Persian copy (a Reuters file, Fars News' export) published twice: with one
    search bundle, and cut into shards of 300 pages that the search page merges as a search needs
    them. Every query finds the same articles both ways, Persian ones included, once every part is
    searched; a word in most articles is answered from the first part alone; a changed article
    rebuilds its shard only."""
    index = tmp_path / "index"
    run_cli("index", str(REUTERS / "reut2-000.sgm"), str(SHARED / "data" / "fars-news" / "itrc" / "farsnews.csv"),
            "--index", str(index))
    whole, sharded = tmp_path / "whole", tmp_path / "sharded"
    run_cli("site", str(whole), "--index", str(index), check=True)
    monkeypatch.setenv("DATELINE_SEARCH_SHARD_PAGES", "300")
    built = run_cli("site", str(sharded), "--index", str(index), process=True)
    assert built.returncode == 0 and "search index built" in built.stderr, built.stderr
    bundles = json.loads((sharded / "search-bundles.json").read_text())
    assert bundles == ["pagefind/", "pagefind-1/", "pagefind-2/", "pagefind-3/", "pagefind-4/"]
    entries = [json.loads((sharded / b / "pagefind-entry.json").read_text())["languages"] for b in bundles]
    assert all(set(languages) == {"en", "fa"} for languages in entries)
    pages = len(list((sharded / "articles").glob("*.html")))
    assert sum(language["page_count"] for languages in entries for language in languages.values()) == pages > 1_200

    def found(site: Path, query: str) -> tuple[int, list[str]]:
        with serving(site) as url:
            page = browser.new_page()
            page.goto(url + "search.html?" + urlencode({"q": query}))
            count = searched(page, f"for “{query}”")
            results = page.locator("#results li")
            page.wait_for_function("n => document.querySelectorAll('#results li').length >= n", arg=min(count, 20))
            while page.locator("#more").is_visible():  # every match, 20 at a time
                shown = results.count()
                page.locator("#more").click()
                page.wait_for_function("n => document.querySelectorAll('#results li').length > n", arg=shown)
            assert results.count() == count
            urls = sorted(page.locator("#results h3 a").evaluate_all("links => links.map(a => new URL(a.href).pathname)"))
            page.close()
            return count, urls

    for query in ("ایران", "کشتی", "cocoa", "oil prices", "said"):
        count, first = found(sharded, query)
        assert count > 0 and (count, first) == found(whole, query), query

    with serving(sharded) as url:
        page = browser.new_page()
        fetched: list[str] = []
        page.on("request", lambda request: fetched.append(request.url))
        page.goto(url + "search.html?q=said")
        partial = searched(page, f"in the 1 of 5 parts of the archive {PARTIAL}", whole=False)
        assert 20 <= partial < found(whole, "said")[0]
        assert [u for u in fetched if "/pagefind/" in u], "the first part is loaded"
        assert not [u for u in fetched if re.search(r"/pagefind-\d+/", u)], "the other parts are not"
        wasm = [u.rsplit("/", 1)[1] for u in fetched if re.search(r"/wasm\.[\w-]+\.pagefind$", u)]
        assert wasm and len(wasm) == len(set(wasm)), f"each stemmer's WebAssembly is fetched once: {wasm}"
        shot(page, "search-in-parts")
        # a search of every part asks for thousands of chunks at once, and Chromium fails requests past
        # a few hundred in flight (at 256 parts the whole count lost a quarter of its articles): the
        # page lets 16 fetches run at a time, Pagefind's included (here 29 at most against 200 before)
        running, most = [0], [0]

        def began(request: object) -> None:
            running[0] += 1
            most[0] = max(most[0], running[0])

        def ended(request: object) -> None:
            running[0] -= 1

        page.on("request", began)
        page.on("requestfinished", ended)
        page.on("requestfailed", ended)
        page.evaluate("() => Promise.all(Array.from({length: 200}, () => fetch('search-bundles.json')"
                      ".then((response) => response.text())))")
        # (a fetch's turn ends when its headers come; Chromium counts it until its body has come too)
        assert 1 <= most[0] <= 3 * 16 < 200, most[0]
        page.close()

    # A word in a few articles reads only the parts that hold it, and a word in none reads no part:
    # the index of the parts' words says which (its pages are each part's words, by language).
    words = {b: json.loads((sharded / b / "dateline-words.json").read_text()) for b in bundles}
    holding = {b for b in bundles if any(re.fullmatch(r"\W*cocoas?\W*", w, re.I) for w in words[b].get("en", []))}
    assert 0 < len(holding) < len(bundles)
    for query, parts in (("cocoa", holding), ("zzyzxq", set())):
        with serving(sharded) as url:
            page = browser.new_page()
            requested: list[str] = []
            page.on("request", lambda request, requested=requested: requested.append(request.url))
            page.goto(url + "search.html?" + urlencode({"q": query}))
            count = searched(page, f"for “{query}”\\.$", whole=False)
            assert count == found(whole, query)[0], query
            read = {m.group(1) + "/" for u in requested if (m := re.search(r"/(pagefind(?:-\d+)?)/", u))}
            assert read == parts, query
            assert [u for u in requested if "/pagefind-words/" in u]
            page.close()

    kept = {b: (sharded / b / "pagefind-entry.json").stat().st_mtime_ns for b in bundles}
    page_file = next((sharded / "articles").glob("0*.html"))
    page_file.write_text(page_file.read_text().replace("</h1>", " edited</h1>"))
    from dateline.search.site import build_search
    assert build_search(sharded, shard_pages=300) == (None, False)
    changed = [b for b in bundles if (sharded / b / "pagefind-entry.json").stat().st_mtime_ns != kept[b]]
    assert changed == ["pagefind/"], "only the shard holding the changed page is built again"
