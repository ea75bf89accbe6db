"""The HTML reader on real saved web pages (../shared/data/html-dev), beside trafilatura and htmldate."""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
import warnings
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from dateline.corpus import read_file

from .conftest import ROOT, SHARED, articles

HTML_DEV = SHARED / "data" / "html-dev"
NOW = datetime(2026, 11, 24, tzinfo=timezone.utc)


def _page(url_start: str, tmp_path: Path) -> tuple[Path, dict]:
    """The labelled page of a URL, saved under a neutral name as a user's file would be."""
    [(subset, label)] = [(subset, entry) for subset in ("trafilatura-dev", "htmldate-dev")
                         for entry in json.loads((HTML_DEV / subset / "labels.json").read_text())
                         if entry["url"].startswith(url_start)]
    path = tmp_path / "page.html"
    path.write_bytes(gzip.decompress((HTML_DEV / subset / "pages" / label["page"]).read_bytes()))
    return path, label


def test_reader_scores_at_least_trafilatura_and_htmldate_on_every_measure():
    """bench/html_reader.py's table, re-checked: main text, day and title, on all 460 labelled pages."""
    spec = importlib.util.spec_from_file_location("html_reader", ROOT / "bench" / "html_reader.py")
    assert spec and spec.loader
    bench = sys.modules["html_reader"] = importlib.util.module_from_spec(spec)  # its dataclasses need it
    spec.loader.exec_module(bench)
    ours, peers = bench.evaluate().values()
    assert ours["main text F1 (segments)"] >= peers["main text F1 (segments)"] > 0.9
    assert ours["main text precision"] >= peers["main text precision"]
    assert ours["pages read as nothing (count)"] <= peers["pages read as nothing (count)"]
    assert ours["day right, of dated pages"] >= peers["day right, of dated pages"] > 0.85
    assert ours["day right, when a day is given"] >= peers["day right, when a day is given"]
    assert ours["title normalised"] > peers["title normalised"], "JSON-LD headlines beat <title> guesses"
    assert ours["title token F1"] > peers["title token F1"]


def test_a_utc_moment_on_another_day_keeps_the_local_publication_day(tmp_path):
    """The page states 2020-02-25T02:25:54Z; it was published on the evening of 24 February in New York."""
    path, label = _page("https://pagesix.com/2020/02/24/", tmp_path)
    assert label["date"] == "2020-02-24" and b'"2020-02-25T02:25:54Z"' in path.read_bytes()
    [article] = articles(read_file(path, NOW))
    assert article.published is not None and article.published.date() == date(2020, 2, 24)


@pytest.mark.parametrize("url_start", ["https://www.lavazza.de/", "https://www.urlaubsarchitektur.de/"])
def test_a_copyright_year_or_a_month_in_a_link_is_no_publication_day(tmp_path, url_start):
    """htmldate's search of a page's text answers a lone `© 2017` with 2017-01-01 and a link's
    `/uploads/2022/10/` with 2022-10-01: days the page never states, so the day stays unknown."""
    path, label = _page(url_start, tmp_path)
    assert "date" not in label  # not labelled: the pages state no day
    [article] = articles(read_file(path, NOW))
    assert article.published is None


def test_a_first_of_the_month_written_in_the_text_is_kept(tmp_path):
    path, label = _page("https://www.dsv.de/synchronschwimmen/", tmp_path)
    assert label["date"] == "2022-02-01" and b">01.02.2022<" in path.read_bytes()
    [article] = articles(read_file(path, NOW))
    assert article.published is not None and article.published.date() == date(2022, 2, 1)


def test_a_utf8_page_with_stray_latin1_bytes_reads_without_mojibake(tmp_path):
    """A real page declaring UTF-8 with a few Windows-1252 bytes in it (an ad script's comment)."""
    for entry in json.loads((HTML_DEV / "trafilatura-dev" / "labels.json").read_text()):
        page = gzip.decompress((HTML_DEV / "trafilatura-dev" / "pages" / entry["page"]).read_bytes())
        if b"M\xe4scot" in page:
            break
    else:
        pytest.fail("the mixed-encoding page is missing from ../shared")
    with pytest.raises(UnicodeDecodeError):
        page.decode("utf-8")
    path = tmp_path / "page.html"
    path.write_bytes(page)
    [article] = articles(read_file(path, NOW))
    assert "Schaf, Standardausführung, weiß" in article.body
    assert "Ă" not in article.body and "Ã" not in article.body


def test_the_headline_line_is_not_repeated_in_the_body():
    [article] = articles(read_file(ROOT / "tests" / "fixtures" / "tasnim-rally.html", NOW))
    assert article.body.startswith("A large group of people gathered")
    assert not article.body.startswith(article.title)


def test_a_first_line_without_words_is_not_taken_for_the_headline(tmp_path):
    """The <h1> repeating the headline goes; a first line with no words (a '* * *' rule) is text."""
    page = tmp_path / "rule.html"
    page.write_text("<html><body><article><p>* * *</p><p>Parliament passed the budget on Wednesday after "
                    "a long debate in Tehran.</p><p>Officials said the vote was close and the opposition "
                    "walked out.</p></article></body></html>")
    [article] = articles(read_file(page, NOW))
    assert article.body.startswith("* * *\n\nParliament passed the budget")


def test_an_xhtml_page_with_an_xml_declaration_reads_without_a_warning(tmp_path):
    """bs4 printed a paragraph of advice on the terminal for every such page (`<?xml ...?>` first)."""
    path, label = _page("https://www.dsv.de/synchronschwimmen/", tmp_path)
    assert path.read_bytes().startswith(b'<?xml version="1.0"')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        [article] = articles(read_file(path, NOW))
    assert article.title and not [str(w.message)[:80] for w in caught]


@pytest.mark.parametrize("url_start", [
    "https://tageswoche.ch/gesellschaft/",  # '... | TagesWoche': the host's name
    "https://www.welt.de/regionales/hamburg/article202159566/",  # '... - SAT.1 REGIONAL': its og:site_name
    "https://www.royalroad.com/fiction/34798/",  # 'Chapter 1: Prologue - Murdered - Melas': the <h1>
    "https://www.rosalux.de/news/id/45292/",  # '... - Rosa-Luxemburg-Stiftung': the <h1>
    "https://www.regenbogenportal.de/aktuelles/08112021",  # '08.11.2021 | ...': the <h1>, after a date
])
def test_the_site_name_around_a_title_goes(tmp_path, url_start):
    path, label = _page(url_start, tmp_path)
    [article] = articles(read_file(path, NOW))
    assert article.title == label["title"].strip()


def test_a_title_keeps_every_part_that_is_not_the_site_name():
    from dateline.corpus.readers.html import _title_without_site

    sites = ("Example News", None, "https://www.example.org/2021/brexit")
    assert _title_without_site("Brexit: Nervenkrieg geht in nächste Runde | Example News", sites, None) == \
        "Brexit: Nervenkrieg geht in nächste Runde"
    assert _title_without_site("Example News", sites, None) == "Example News", "nothing else to keep"
    assert _title_without_site("EXAMPLE - Oil - prices rise", sites, "Oil") == "Oil"
    assert _title_without_site("Oil prices rise - Markets", sites, "Gold") == "Oil prices rise - Markets"


def test_an_agency_site_name_of_several_parts_leaves_the_title():
    from dateline.corpus.readers.html import _title_without_site

    mehr = "خبرگزاری مهر | اخبار ایران و جهان | Mehr News Agency"  # a site name of three parts
    assert _title_without_site(f"حمله به غزه - {mehr}", (mehr, None, None), None) == "حمله به غزه"
    assert _title_without_site("Oil prices rise - Reuters", (None, None, None), None) == "Oil prices rise"


def test_a_page_without_a_url_keeps_its_id_whatever_is_read_out_of_it(tmp_path, monkeypatch):
    """Its id names the page as saved: a reader that learns to read its title or day better does
    not move its permalink page (a copy of the file elsewhere has the same id)."""
    from dateline.corpus.readers import html

    page = tmp_path / "saved.html"
    page.write_text("<html><head><title>Budget passed | Example News</title></head><body><article><p>"
                    "Parliament passed the budget on Sunday, officials said on 1 March 2021.</p></article></body></html>")
    [before] = articles(read_file(page, NOW))
    monkeypatch.setattr(html, "_title_without_site", lambda title, sites, heading: "Another title")
    monkeypatch.setattr(html, "_published", lambda *args: None)
    [after] = articles(read_file(page, NOW))
    assert (after.title, after.published) != (before.title, before.published) and after.id == before.id
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "saved.html").write_bytes(page.read_bytes())
    assert [a.id for a in articles(read_file(tmp_path / "copy" / "saved.html", NOW))] == [after.id]
