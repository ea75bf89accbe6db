"""The corpus readers on real fixtures, and every kind of bad input."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from dateline.corpus import read_file, read_sources

from .conftest import FIXTURES, SEEDS, SHARED, articles, errors, run_cli

NOW = datetime(2026, 11, 24, tzinfo=timezone.utc)




def test_seed_article_metadata_leaves_the_body():
    [seed] = articles(read_sources([SEEDS]))
    assert seed.agency == "Mehr News Agency"
    assert seed.license == "CC-BY-4.0"
    assert seed.license_text.startswith("All Content by Mehr News Agency is licensed under")
    assert seed.dateline == "TEHRAN"
    assert seed.editors == "SA/PA"
    assert seed.published is None
    assert seed.language == "en"
    assert seed.body.startswith("A large group of people gathered")
    assert seed.body.endswith("the defeat of the United States.")
    assert "SA/PA" not in seed.body and "Creative Commons" not in seed.body
    assert "Salami: We all are Palestinians" in seed.paragraphs, "the crosshead is its own paragraph"
    assert seed.title_derived and seed.title.startswith("A large group of people")
    assert len(seed.provenance.checksum) == 64


def test_article_id_is_stable_across_reads_and_copies_of_the_file(tmp_path):
    first = articles(read_sources([SEEDS]))[0]
    (tmp_path / "copy.txt").write_text((SEEDS / "000_76f24a8f80dde1ec.txt").read_text())
    again = articles(read_sources([tmp_path]))[0]
    assert first.id == again.id and first.provenance.source != again.provenance.source


@pytest.mark.parametrize("text, place, agency", [
    ("TEHRAN— The talks resumed today in the capital after a long pause.", "TEHRAN", None),
    ("TEHRAN - The talks resumed today in the capital after a long pause.", "TEHRAN", None),
    ("TEHRAN, May 12 (MNA) -- The talks resumed today in the capital after a pause.", "TEHRAN", "Mehr News Agency"),
    ("RIO DE JANEIRO (Reuters) - Brazil's coffee exports rose sharply in the month.", "RIO DE JANEIRO", "Reuters"),
    ("BEIRUT, Lebanon (AP) — The talks resumed today in the capital after a long pause.", "BEIRUT", "Associated Press"),
    ("WASHINGTON, D.C. (AP) — The talks resumed today in the capital after a pause.", "WASHINGTON", "Associated Press"),
    ("NEW YORK, NY - The talks resumed today in the city after a long pause.", "NEW YORK", None),  # a state
    ("Tehran, IRNA -- The talks resumed today in the capital after a long pause.", "TEHRAN", "Islamic Republic News Agency"),
    ("Moscow, 3 December (TASS) - The talks resumed today in the capital after a pause.", "MOSCOW", "TASS"),
    ("تهران- ایرنا- The talks resumed today in the capital after a long pause.", "تهران", "Islamic Republic News Agency"),
    ("القاهرة (رويترز) - The talks resumed today in the capital after a long pause.", "القاهرة", "Reuters"),
    ("دبي، 3 ديسمبر (رويترز) - The talks resumed today in the city after a long pause.", "دبي", "Reuters"),
])
def test_dateline_forms(tmp_path, text, place, agency):
    source = tmp_path / "story.txt"
    source.write_text(text)
    [article] = articles(read_file(source, NOW))
    assert article.dateline == place
    assert article.agency == agency
    assert article.published is None, "a month and day without a year is not a date"
    assert article.body.startswith("The talks") or article.body.startswith("Brazil")


@pytest.mark.parametrize("text", [
    "Moscow - The talks resumed today.",  # a place not in capitals needs an agency named
    "Sunday, 3 December - The talks resumed today.", "Paris (Someone) - The talks resumed today.",
    "ایران - آمریکا: مذاکرات از سر گرفته شد.",  # Arabic script: only beside a known agency
    "HIV-1 is a virus that attacks the immune system.", "BACKGROUND: The study asked whether.",
])
def test_what_is_no_dateline(text):
    from dateline.corpus.wire import split_dateline

    assert split_dateline(text) == (None, text)


def test_sidecar_wins_over_guesses(tmp_path):
    (tmp_path / "story.txt").write_text((SEEDS / "000_76f24a8f80dde1ec.txt").read_text())
    (tmp_path / "story.json").write_text(json.dumps({
        "title": "Tehran rally for Palestinians", "published": "2021-05-12T10:00:00+04:30",
        "url": "https://en.mehrnews.com/news/173000/", "agency": "MNA"}))
    [article] = articles(read_sources([tmp_path]))
    assert article.title == "Tehran rally for Palestinians" and not article.title_derived
    assert article.published == datetime.fromisoformat("2021-05-12T10:00:00+04:30")
    assert article.url == "https://en.mehrnews.com/news/173000/"
    assert article.agency == "Mehr News Agency"


def test_reuters_records(reuters):
    items = read_file(reuters / "reut2-000.sgm", NOW)
    found = articles(items)
    assert len(found) == 1000 and not errors(items)
    first = found[0]
    assert first.title == "BAHIA COCOA REVIEW"
    assert first.dateline == "SALVADOR"
    assert first.published == datetime(1987, 2, 26, 15, 1, 1), "no zone: Reuters names none"
    assert first.agency == "Reuters"
    assert first.topics == ("cocoa",) and first.places == ("el-salvador", "usa", "uruguay")
    assert not first.body.rstrip().endswith("Reuter"), "the signature is metadata, not body"
    assert first.body.startswith("Showers continued throughout the week in the Bahia cocoa zone")
    assert "\n\n" in first.body, "paragraphs are kept"
    assert first.provenance.offset == (reuters / "reut2-000.sgm").read_bytes().index(b"<REUTERS")


def test_reuters_dates_with_two_spaces_are_read(reuters):
    found = articles(read_file(reuters / "reut2-000.sgm", NOW) + read_file(reuters / "reut2-001.sgm", NOW))
    stamps = {article.published for article in found}
    for clock in ((9, 15, 5), (10, 16, 24), (13, 4, 18)):  # <DATE>3-MAR-1987  09:15:05.40</DATE>
        assert datetime(1987, 3, 3, *clock) in stamps


def test_reuters_truncated_record_is_reported(tmp_path, reuters):
    data = (reuters / "reut2-000.sgm").read_bytes()
    cut = data[: data.index(b'NEWID="3"') + 400]
    source = tmp_path / "cut.sgm"
    source.write_bytes(cut)
    items = read_file(source, NOW)
    assert len(articles(items)) == 2
    [error] = errors(items)
    assert "truncated record" in str(error) and str(source) in str(error)


def test_html_page_with_json_ld():
    [article] = articles(read_file(FIXTURES / "tasnim-rally.html", NOW))
    assert article.title == "Iranians Rally in Support of Palestinians in Tehran"
    assert article.agency == "Tasnim News Agency"
    assert article.license == "CC-BY-4.0"
    assert article.published == datetime.fromisoformat("2021-05-12T18:30:00+04:30")
    assert article.url == "https://www.tasnimnews.com/en/news/2021/05/12/2500000/iranians-rally"
    assert article.dateline == "TEHRAN"
    assert article.language == "en"
    assert article.byline == "Tasnim staff"
    assert article.body.startswith("A large group of people gathered")
    assert "Rally speakers" in article.paragraphs
    for boilerplate in ("Share on Twitter", "Related news", "Politics", "footer text"):
        assert boilerplate not in article.body


def _warc(path: Path, pages: list[tuple[str, bytes]]) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, page in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.0")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(page), http_headers=headers))


def test_warc_response_records(tmp_path):
    page = (FIXTURES / "tasnim-rally.html").read_bytes()
    undated = b"<html><body><article><p>KABUL - Officials said the road reopened on Monday after heavy snow.</p></article></body></html>"
    source = tmp_path / "crawl.warc.gz"
    _warc(source, [("https://example.org/a", page), ("https://example.org/b", undated)])
    items = read_file(source, NOW)
    first, second = articles(items)
    assert not errors(items)
    assert first.url.startswith("https://www.tasnimnews.com/"), "the page's canonical link wins"
    assert second.url == "https://example.org/b", "the WARC target URI is the fallback"
    assert second.dateline == "KABUL" and second.published is None, "a fetch time is not a publication date"
    assert second.provenance.fetched is not None and second.provenance.offset > 0


def test_json_lines(tmp_path):
    source = tmp_path / "export.jsonl"
    source.write_text("\n".join([
        json.dumps({"title": "Bank raises rates", "body": "LONDON (Reuters) - The Bank of England raised rates today by a quarter point.",
                    "published": "2021-05-12", "topics": ["interest"], "id": "r1"}),
        "{not json",
        json.dumps({"title": "A headline and no body", "story_body": "The text is under a name of its own, longer than its title."}),
        json.dumps({"text": "ANKARA - Turkish officials met their counterparts in the capital on Tuesday.",
                    "agency": "AA", "license": "CC BY 4.0 https://creativecommons.org/licenses/by/4.0/"}),
    ]))
    items = read_file(source, NOW)
    first, second = articles(items)
    assert first.agency == "Reuters" and first.dateline == "LONDON" and first.topics == ("interest",)
    assert first.published == datetime(2021, 5, 12)
    assert second.agency == "Anadolu Agency" and second.license == "CC-BY-4.0"
    assert [e.location for e in errors(items)] == ["line 2", "line 3"]
    assert "--field body=story_body?" in str(errors(items)[1])


def test_legacy_arabic_encoding_is_detected(tmp_path):
    text = ("تهران - گروه بزرگی از مردم روز چهارشنبه در میدان امام حسین تهران گرد هم آمدند تا از مردم فلسطین حمایت کنند.\n"
            "شرکت کنندگان پرچم‌ها و پلاکاردهایی در دست داشتند و شعارهایی در حمایت از مردم فلسطین سر دادند.\n")
    legacy = text.replace("ی", "ي")  # Windows-1256 has only the Arabic yeh, as legacy Persian sites used
    source = tmp_path / "farsi.txt"
    source.write_bytes(legacy.encode("cp1256"))
    [article] = articles(read_file(source, NOW))
    assert "ميدان امام حسين" in article.body, "the text is decoded and kept as written"
    assert article.language == "fa"


@pytest.mark.parametrize("name, data, message", [
    ("binary.txt", bytes(range(256)) * 8, "binary file"),
    ("empty.txt", b"", "empty file"),
    ("blank.html", b"   \n", "empty file"),
    ("broken.html", b"<html><body><div><script>var a = 1;</script></div>", "no article text"),
    ("undecodable.txt", b"\x81\x8d\x8f\x90\x9d" * 400, ""),
    ("truncated.warc.gz", None, "truncated WARC"),
    ("bad.jsonl", b"{\"title\": \n", "malformed JSON"),
    ("nothing.sgm", b"<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n", "no <REUTERS> records"),
])
def test_bad_input_gets_one_line_error_and_the_rest_is_read(tmp_path, name, data, message):
    if data is None:
        good = tmp_path / "full.warc.gz"
        _warc(good, [("https://example.org/a", (FIXTURES / "tasnim-rally.html").read_bytes())] * 3)
        data = good.read_bytes()[:-300]
        good.unlink()
    (tmp_path / name).write_bytes(data)
    (tmp_path / "seed.txt").write_text((SEEDS / "000_76f24a8f80dde1ec.txt").read_text())
    items = list(read_sources([tmp_path]))
    assert any(a.agency == "Mehr News Agency" for a in articles(items)), "the good source is still read"
    [error] = errors(items)
    assert name in str(error) and message in str(error)
    assert "\n" not in str(error)


def test_cli_read_seeds_prints_json_lines_and_summary():
    result = run_cli("read", str(SEEDS))
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    record = json.loads(line)
    assert record["agency"] == "Mehr News Agency" and record["license"] == "CC-BY-4.0"
    assert record["dateline"] == "TEHRAN" and record["editors"] == "SA/PA" and record["published"] is None
    assert result.stderr.strip() == "1 articles read, 0 passed over, 0 sources failed"


def test_cli_read_reports_skipped_sources_and_exits_1(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = run_cli("read", str(SEEDS), str(tmp_path / "empty.txt"), str(tmp_path / "missing.txt"))
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == "1 articles read, 0 passed over, 2 sources failed"
    assert any("empty.txt: empty file" in line for line in lines)
    assert any("missing.txt: no such file or folder" in line for line in lines)


@pytest.mark.slow
def test_cli_reads_the_whole_reuters_corpus(reuters):
    result = run_cli("read", str(reuters))
    summary = result.stderr.splitlines()[-1]
    assert summary == "20000 articles read, 6 passed over, 0 sources failed"
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 6 and all("not an article" in note for note in notes), "word lists are told, not read"
    assert result.returncode == 0, "files that are no article are passed over, not failures"
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 20000
    assert all(r["agency"] == "Reuters" for r in records)
    assert sum(r["published"] is not None for r in records) >= 19990
    assert sum(r["dateline"] == "SALVADOR" for r in records) > 0


def test_languages_of_real_copy_are_named_with_no_network(monkeypatch, reuters):
    """fastText's compact model, shipped in its package, names the language of wire copy with the
    network refused: Reuters English (py3langid named 93%: terse items came out Nigerian Pidgin)
    and Fars News Persian, as scraped. bench/languages.py runs every labelled article of ../shared."""
    import socket

    from dateline.corpus import Article
    from dateline.corpus.language import _detector, detect_language

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "socket", refuse)
    _detector.cache_clear()  # loaded here, with the network refused

    def named(path: Path, language: str) -> float:
        found = [detect_language(f"{item.title}\n{item.body}") for item in read_sources([path])
                 if isinstance(item, Article)]
        return sum(code == language for code in found) / len(found)

    assert named(reuters / "reut2-003.sgm", "en") >= 0.98
    assert named(SHARED / "data" / "fars-news", "fa") >= 0.99


def test_a_byline_line_before_the_dateline_becomes_the_byline(tmp_path):
    source = tmp_path / "ap.txt"
    source.write_text("By MATTHEW LEE, AP Diplomatic Writer\n\nWASHINGTON (AP) — The talks resumed today in the "
                      "capital after a long pause, officials said on Tuesday.\n")
    [article] = articles(read_file(source, NOW))
    assert (article.byline, article.dateline, article.agency) == (
        "MATTHEW LEE, AP Diplomatic Writer", "WASHINGTON", "Associated Press")
    assert article.body.startswith("The talks resumed") and "the byline and the dateline" in article.changes[0]
    prose = tmp_path / "prose.txt"  # a first line opening with "By" and no dateline after it is text
    prose.write_text("By late Monday, prices had fallen sharply across the region's markets.\n"
                     "Traders said the fall was the steepest in a decade, and more was expected.\n")
    [article] = articles(read_file(prose, NOW))
    assert article.byline is None and article.body.startswith("By late Monday")
