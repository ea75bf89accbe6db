"""Datasets as they come: CSV and TSV exports, saved feeds, JSON documents, records with their own field
names, and Hijri dates, read from the real files in ../shared/data and from fixtures built here."""

from __future__ import annotations

import json
import re
import shutil
import warnings
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from dateline.cli import cli
from dateline.corpus import Article, read_file, read_sources
from dateline.corpus.dates import parse_date
from dateline.corpus.records import FieldMapping
from dateline.errors import DatelineError

from .conftest import SEEDS, SHARED, articles, errors, run_cli

FARS = SHARED / "data" / "fars-news"
FEEDS = SHARED / "data" / "feeds"
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
# Items per feed, as ../shared/data/feeds/README.md counts the <item>/<entry> elements.
FEED_ITEMS = {"guardian-us-2018-01-31.rss": 55, "techcrunch-2011-11-02.rss": 20, "nyt-wirecutter-2022-09-20.rss": 1,
              "daringfireball-2017-06-27.atom": 48, "tpm-allnews-2017-11-08.atom": 20,
              "heise-developer-2016-02-01.atom": 15, "science-twis-2017-06-15.xml": 69, "golem-2023-01-25.xml": 1,
              "jn-ultimas-2018-01-03.rss": 40, "uol-noticias-2018-09-24.rss": 15, "infomed-news-2006-01-04.rss": 21,
              "naftemporiki-world-2006-01-04.rss": 10, "oren-news-2014-01-23.rss": 10, "aktuality-sk-2021-01-17.rss": 30,
              "livemint-news-2019-05-29.rss": 25, "washingtonpost-wellness-2012-08-24.rss": 29,
              "nbcnewyork-2023-12-17.rss": 1, "ilmessaggero-mondo-2022-11-16.rss": 1}




def test_all_600_fars_news_records_are_read_with_their_fields():
    path = FARS / "fars-news.jsonl"
    items = read_file(path, NOW)
    found = articles(items)
    assert len(found) == 600 and not errors(items)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for article, record in zip(found, records, strict=True):
        assert article.title == " ".join(record["title"].split())
        assert article.lead == " ".join(record["abstract"].split()), "the abstract is the lead, not lost"
        assert len(article.paragraphs) == len([p for p in record["paragraphs"] if p.strip()]), "paragraphs kept"
        assert article.url == record["link"]
        sections = [value for value in (record["cat"], record["subcat"], *record["tags"]) if value.strip()]
        assert list(article.topics) == list(dict.fromkeys(" ".join(value.split()) for value in sections))
        assert article.published is None, "no date field: unknown, not invented"
    languages = [article.language for article in found]
    assert languages.count("fa") == 599, "old records in Arabic yeh and kaf are Persian too"
    assert languages.count(None) == 1, "a record whose body is '.' is too short to tell"


def test_persian_copy_names_its_agency_and_place_in_its_opening_clause():
    """Fars copy opens "به گزارش [خبرنگار ...] خبرگزاری فارس [از اصفهان]،" (as reported by Fars [from
    Isfahan]): the agency and the place are taken, the text kept as written; a story quoting another
    source (به نقل از) names no agency of its own there."""
    found = articles(read_file(FARS / "fars-news.jsonl", NOW))
    opening = {a.id: a.paragraphs[0] for a in found}
    fars = [a for a in found if re.match(r"به گزارش [^،]*خبرگزار[یي] فارس\s*[،,]", opening[a.id])]
    assert len(fars) > 100 and all(a.agency == "Fars News Agency" and a.dateline is None for a in fars)
    isfahan = [a for a in found if re.match(r"به گزارش خبرگزاری فارس از اصفهان،", opening[a.id])]
    assert isfahan and all(a.dateline == "اصفهان" and a.agency == "Fars News Agency" for a in isfahan)
    assert all(opening[a.id].startswith("به گزارش") for a in isfahan), "the clause stays in the text"
    quoting = [a for a in found if re.match(r"به گزارش فارس به نقل از", opening[a.id])]
    assert quoting and not any(a.agency or a.dateline for a in quoting)
    assert "اردبيل" not in {a.dateline for a in found}, "an older site's Arabic yeh: one spelling of a place"
    # an id does not change as a reader learns more of an article: this row's, read before the clause was
    [first] = articles(read_file(FARS / "itrc" / "farsnews.csv", NOW))[:1]
    assert first.agency == "Fars News Agency" and first.id == "6b42bbdf4ccc5882"


def test_the_243_dated_itrc_rows_get_gregorian_dates():
    items = read_file(FARS / "itrc" / "farsnews.csv", NOW)
    found, failed = articles(items), errors(items)
    assert len(found) == 243
    assert len(failed) == 1 and "row 32" in str(failed[0]) and "no body" in str(failed[0]), "the whitespace-only row"
    assert found[0].published == datetime(2023, 8, 26, 12, 11), "۱۲:۱۱ ۱۴۰۲-۶-۴, no zone given"
    assert all(datetime(2023, 7, 23) <= a.published < datetime(2023, 8, 27)
               for a in found), "1402-05-01 to 1402-06-04"
    assert found[0].title == "کشتی‌گیران آزاد و فرنگی ایران در مسابقات جهانی بلگراد مشخص شدند", "padding removed"
    assert {a.extra["label"] for a in found} == {"sports", "politics", "arts-media", "culture", "social", "economy"}
    assert all(a.language == "fa" for a in found)


@pytest.mark.parametrize("text, language, expected", [
    ("1402-06-04", "fa", (2023, 8, 26)), ("1387/07/06", "fa", (2008, 9, 27)), ("۱۳۸۷/۰۷/۰۶", None, (2008, 9, 27)),
    ("13870706", "fa", (2008, 9, 27)), ("شنبه ۶ مهر ۱۳۸۷", None, (2008, 9, 27)), ("۶ مهر ۱۳۸۷", "ar", (2008, 9, 27)),
    ("27 سبتمبر 2008", None, (2008, 9, 27)), ("۲۷ سپتامبر ۲۰۰۸", None, (2008, 9, 27)),
    ("12 ربيع الأول 1445", None, (2023, 9, 27)), ("1445-03-12", "ar", (2023, 9, 27)),
    ("1387/07/06", None, None), ("1387/07/06", "en", None), ("1402-13-01", "fa", None), ("۶ مهر", "fa", None),
])
def test_hijri_dates_become_gregorian_or_stay_unknown(text, language, expected):
    parsed = parse_date(text, language)
    assert (parsed.date().timetuple()[:3] if parsed else None) == expected


@pytest.mark.parametrize("text, expected", [
    ("Tue, 10 Jun 2003 04:00:00 EDT", "2003-06-10T04:00:00-04:00"),  # RFC 822's zones, as feeds write them
    ("Mon, 12 Feb 2024 10:00:00 CET", "2024-02-12T10:00:00+01:00"),
    ("12.02.2024 10:00 MESZ", "2024-02-12T10:00:00+02:00"),  # a dotted date is day first
    ("1.2.2024", "2024-02-01T00:00:00"), ("Sat, 5 Dec 2026 08:00:00 IRST", "2026-12-05T08:00:00+03:30"),
    ("2024-02-12 10:00 IST", "2024-02-12T10:00:00"),  # India's, Ireland's or Israel's: no zone is guessed
    ("3 December 2023 12:30 GMT+3", "2023-12-03T12:30:00+03:00"),  # ahead of UTC, as pages mean it
    ("2023-12-03 10:00:00 UTC+03:30", "2023-12-03T10:00:00+03:30"), ("2023-12-03 10:00 GMT-5", "2023-12-03T10:00:00-05:00"),
])
def test_named_zones_are_read_and_an_ambiguous_one_keeps_the_clock_time(text, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # dateutil warned on every zone name but UTC and GMT
        assert parse_date(text).isoformat() == expected


@pytest.mark.parametrize("text, language, expected", [
    ("03/12/2023", "ar", "2023-12-03"), ("03/12/2023", "fr", "2023-12-03"), ("03/12/2023", "en", "2023-03-12"),
    ("03/12/2023", None, "2023-03-12"), ("12/25/2023", "fr", "2023-12-25"), ("2023-12-03 10:00 UTC", "fr", "2023-12-03"),
    ("2023/12/03", "de", "2023-12-03"), ("03.12.2023", "en", "2023-12-03"),
])
def test_a_slashed_date_is_day_first_but_in_english_sources(text, language, expected):
    assert parse_date(text, language).date().isoformat() == expected


def test_feeds_of_every_kind_give_every_item(tmp_path):
    for name, count in FEED_ITEMS.items():
        items = read_file(FEEDS / name, NOW)
        found = articles(items)
        assert len(found) == count, name
        assert all(a.url and a.url.startswith("http") for a in found), f"{name}: links, resolved"
        assert all(a.title or a.body for a in found)
        if name == "techcrunch-2011-11-02.rss":  # a newline before <?xml: reported, and every item read
            assert len(errors(items)) == 1 and "malformed feed" in str(errors(items)[0])
        else:
            assert not errors(items), name


def test_feed_fields_land_in_the_right_places():
    tpm = articles(read_file(FEEDS / "tpm-allnews-2017-11-08.atom", NOW))
    assert tpm[0].url.startswith("http://talkingpointsmemo.com/livewire/"), "relative links resolve against the feed"
    assert tpm[0].agency == "All TPM News" and tpm[0].byline == "Esme Cribb"
    assert tpm[0].published == datetime(2017, 11, 8, 23, 15, 58, tzinfo=timezone.utc)
    techcrunch = articles(read_file(FEEDS / "techcrunch-2011-11-02.rss", NOW))
    assert techcrunch[0].lead and len(techcrunch[0].body) > len(techcrunch[0].lead), "content:encoded is the body"
    assert techcrunch[0].lead not in techcrunch[0].body, "the summary is its lead"
    oren = articles(read_file(FEEDS / "oren-news-2014-01-23.rss", NOW))
    assert oren[0].language == "ru" and len(oren[0].body) > 500, "Yandex full text, in windows-1251"
    greek = articles(read_file(FEEDS / "naftemporiki-world-2006-01-04.rss", NOW))
    assert re.search("[α-ω]", greek[0].title.lower()), "ISO-8859-7 decoded"
    hebrew = articles(read_file(FEEDS / "infomed-news-2006-01-04.rss", NOW))
    assert hebrew[0].language == "he" and hebrew[0].topics == ("חדשות רפואיות",)
    science = articles(read_file(FEEDS / "science-twis-2017-06-15.xml", NOW))
    assert all(a.published for a in science), "RSS 1.0: dates from dc:date"


def test_an_item_in_a_later_copy_of_a_feed_is_the_same_article(tmp_path):
    original = (FEEDS / "guardian-us-2018-01-31.rss").read_bytes()
    first_item = original.index(b"<item>")
    later = original[:first_item] + original[original.index(b"</item>", first_item) + len(b"</item>"):]
    (tmp_path / "later.rss").write_bytes(later)
    before = {a.id for a in articles(read_file(FEEDS / "guardian-us-2018-01-31.rss", NOW))}
    after = {a.id for a in articles(read_file(tmp_path / "later.rss", NOW))}
    assert len(after) == 54 and after < before


def test_a_damaged_feed_is_one_line_and_the_rest_is_read(tmp_path):
    data = (FEEDS / "guardian-us-2018-01-31.rss").read_bytes()
    cut = tmp_path / "cut.rss"
    cut.write_bytes(data[: len(data) // 2])
    items = read_file(cut, NOW)
    assert 10 < len(articles(items)) < 55
    assert len(errors(items)) == 1 and "malformed feed" in str(errors(items)[0]) and "cut.rss" in str(errors(items)[0])


@pytest.mark.parametrize("document", [
    [{"headline": "A", "story": "Body of A, long enough to be an article."}, {"title": "B", "text": "Body of B."}],
    {"articles": [{"headline": "A", "story": "Body of A."}, {"title": "B", "content": "Body of B."}], "count": 2},
    {"data": {"items": [{"title": "A", "body": "Body of A."}, {"title": "B", "body": "Body of B."}]}},
])
def test_json_documents_hold_arrays_of_articles(tmp_path, document):
    path = tmp_path / "scrape.json"
    path.write_text(json.dumps(document))
    mapping = FieldMapping.parse(["body=story"])
    found = articles(read_file(path, NOW, mapping=mapping))
    assert [a.title for a in found] == ["A", "B"] and all(a.body.startswith("Body of") for a in found)


def test_a_json_document_without_articles_is_one_line(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"version": 3, "settings": {"debug": True}}))
    items = read_file(tmp_path / "config.json", NOW)
    assert not articles(items) and "no array of article objects" in str(errors(items)[0])


@pytest.mark.parametrize("name, content, encoding", [
    ("export.csv", 'title,text,date\n"Budget, passed","Parliament passed\nthe budget.",2021-05-12\n', "utf-8"),
    ("export.tsv", "title\ttext\tdate\nBudget, passed\tParliament passed the budget.\t2021-05-12\n", "utf-8"),
    ("export.csv", "title;text;date\nBudget, passed;Parliament passed the budget.;2021-05-12\n", "utf-8-sig"),
    ("export.csv", "title,text,date\nتصويب بودجه,مجلس بودجه را تصويب كرد و گفت اين بودجه مهم است.,1400/02/22\n",
     "windows-1256"),  # older Persian sites: Arabic yeh and kaf, which is all Windows-1256 has
])
def test_csv_and_tsv_exports(tmp_path, name, content, encoding):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    items = read_file(path, NOW)
    [article] = articles(items)
    assert not errors(items)
    assert article.published.date().isoformat() == ("2021-05-12"), "the Solar Hijri 1400/02/22 is 2021-05-12 too"
    assert article.title in ("Budget, passed", "تصويب بودجه")


def test_a_bad_csv_row_is_one_line_and_the_rest_is_read(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b'title,text\nFirst,The first row is fine.\nBad,"A "bad" quote" here\nThird,The third row is fine.\n')
    items = read_file(path, NOW)
    assert [a.title for a in articles(items)] == ["First", "Third"]
    [error] = errors(items)
    assert "export.csv:row 2 (line 3): malformed CSV" in str(error)


def test_a_dataset_of_headlines_alone_is_read_and_searched(tmp_path):
    """As "A Million News Headlines" (ABC) ships: a date and a headline a row, no text. A headline is
    an article; a row whose unmapped field holds more text than its title is still an error naming
    that field, as its body is most likely there."""
    headlines = tmp_path / "abcnews-date-text.csv"
    headlines.write_text("publish_date,headline_text\n20030219,aba decides against community broadcasting licence\n"
                         "20030219,act fire witnesses must be aware of defamation\n")
    index = tmp_path / "index"
    indexed = CliRunner().invoke(cli, ["index", str(headlines), "--field", "title=headline_text", "--index", str(index)])
    assert indexed.exit_code == 0 and "2 added" in indexed.output, indexed.output
    found = CliRunner().invoke(cli, ["search", "defamation", "--index", str(index), "--format", "json"])
    [hit] = json.loads(found.output)["hits"]
    assert hit["title"] == "act fire witnesses must be aware of defamation" and hit["published"] == "2003-02-19T00:00:00"
    export = tmp_path / "export.csv"
    export.write_text("headline_text,story_body\nBudget passed,Parliament passed the budget on Sunday.\n")
    result = CliRunner().invoke(cli, ["read", str(export), "--field", "title=headline_text"])
    assert result.exit_code == 1 and "--field body=story_body?" in result.output


def test_a_newsapi_export_is_read_with_its_camelcase_fields(tmp_path):
    """NewsAPI's response, as researchers save it: camelCase names (publishedAt), the outlet as
    {"id", "name"}, the text cut short with a note ("[+2345 chars]"), some items with a title only."""
    export = tmp_path / "newsapi.json"
    export.write_text(json.dumps({"status": "ok", "totalResults": 2, "articles": [
        {"source": {"id": "bbc-news", "name": "BBC News"}, "author": "BBC News", "title": "Oil prices rise",
         "description": "Brent crude rose 2% on Monday.", "url": "https://www.bbc.co.uk/news/business-1",
         "urlToImage": "https://ichef.bbci.co.uk/news/1024/oil.jpg", "publishedAt": "2023-12-04T09:15:00Z",
         "content": "Brent crude rose 2% on Monday after Opec+ members agreed deeper cuts… [+2345 chars]"},
        {"source": {"id": None, "name": "Reuters"}, "author": None, "title": "Gold steadies",
         "description": None, "url": "https://www.reuters.com/markets/gold",
         "urlToImage": "https://www.reuters.com/resizer/v2/a-long-image-address.jpg",
         "publishedAt": "2023-12-04T10:00:00Z", "content": None}]}))
    items = read_file(export, NOW)
    assert not errors(items)
    oil, gold = articles(items)
    assert oil.published == datetime(2023, 12, 4, 9, 15, tzinfo=timezone.utc) and oil.agency == "BBC News"
    assert oil.body.endswith("agreed deeper cuts…") and oil.lead == "Brent crude rose 2% on Monday."
    assert (gold.title, gold.body, gold.agency) == ("Gold steadies", "", "Reuters"), "a URL is no body"
    assert oil.extra == {"urlToImage": "https://ichef.bbci.co.uk/news/1024/oil.jpg"}


def test_field_mapping_from_the_command_line_and_a_file(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("headline_text,story_body,when,desk\nBudget passed,Parliament passed the budget on Sunday.,"
                      "2021-05-12,politics\n")
    result = CliRunner().invoke(cli, ["read", str(export), "--format", "jsonl"])
    assert result.exit_code == 1 and "no body" in result.output and "--field body=story_body?" in result.output
    mapped = CliRunner().invoke(cli, ["read", str(export), "--format", "jsonl", "--field", "body=story_body",
                                      "--field", "title=headline_text", "--field", "published=when"])
    article = json.loads(mapped.output.splitlines()[0])
    assert article["title"] == "Budget passed" and article["published"].startswith("2021-05-12")
    assert article["extra"] == {"desk": "politics"}, "a field that maps to nothing is kept"
    mapping = tmp_path / "fields.txt"
    mapping.write_text("# my export\nbody=story_body\ntopics=desk\n")
    from_file = CliRunner().invoke(cli, ["read", str(export), "--format", "jsonl", "--fields", str(mapping)])
    assert json.loads(from_file.output.splitlines()[0])["topics"] == ["politics"]
    bad = CliRunner().invoke(cli, ["read", str(export), "--field", "heading=headline_text"])
    assert bad.exit_code == 2 and "no article field 'heading'" in bad.output


def test_unknown_article_fields_are_refused():
    with pytest.raises(DatelineError, match="expected ARTICLE_FIELD=SOURCE_FIELD"):
        FieldMapping.parse(["body"])


def test_record_text_that_is_not_wire_copy_keeps_every_word(tmp_path):
    path = tmp_path / "abstracts.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in [
        {"title": "a", "text": "HIV-1 replication depends on host factors. Copyright 2019 the authors."},
        {"title": "b", "text": "CRISPR-Cas systems protect bacteria. © 2020 Elsevier Ltd. All rights reserved."},
        {"title": "c", "text": "TEHRAN, May 12 (MNA) -- Officials met. SA/PA"},
    ]))
    first, second, wire = articles(read_file(path, NOW))
    assert first.body.startswith("HIV-1 replication") and first.body.endswith("Copyright 2019 the authors.")
    assert first.dateline is None and first.license is None
    assert second.body.startswith("CRISPR-Cas") and "All rights reserved." in second.body
    assert wire.dateline == "TEHRAN" and wire.agency == "Mehr News Agency" and wire.editors == "SA/PA"


def test_a_folder_mixing_every_format_is_indexed_searched_and_published(tmp_path, reuters):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(FARS / "fars-news.jsonl", folder)
    shutil.copy(FARS / "itrc" / "farsnews.csv", folder)
    for name in ("guardian-us-2018-01-31.rss", "tpm-allnews-2017-11-08.atom", "infomed-news-2006-01-04.rss"):
        shutil.copy(FEEDS / name, folder)
    (folder / "scrape.json").write_text(json.dumps({"articles": [
        {"headline": "Parliament passes the budget", "text": "Parliament passed the budget on Sunday.", "date": "2021-05-12"}]}))
    shutil.copy(reuters / "reut2-000.sgm", folder)
    shutil.copy(next(SEEDS.glob("*.txt")), folder)
    index, site = tmp_path / "index", tmp_path / "site"
    indexed = run_cli("index", str(folder), "--index", str(index))
    assert indexed.returncode == 1, indexed.stderr  # the CSV's whitespace-only row
    assert f"{600 + 243 + 55 + 20 + 21 + 1 + 1000 + 1} added" in indexed.stderr
    stats = run_cli("stats", "--index", str(index), "--top", "20", check=True).stdout
    assert "fa 842" in stats and "he 21" in stats and "2023 243" in stats
    persian = json.loads(run_cli("search", "ایران", "--index", str(index), "--format", "json", check=True).stdout)
    assert persian["total"] > 100 and all(hit["language"] == "fa" for hit in persian["hits"])
    tehran = run_cli("search", "ايران", "--index", str(index), "--format", "json", check=True).stdout
    assert json.loads(tehran)["total"] == persian["total"], "Arabic and Persian spellings find the same articles"
    feed = run_cli("search", "agency:\"All TPM News\"", "--index", str(index), "--format", "json", check=True).stdout
    assert json.loads(feed)["total"] == 20
    built = run_cli("site", str(site), "--index", str(index))
    assert built.returncode == 0 and "search index built" in built.stderr, built.stderr
    pages = [page.read_text() for page in (site / "articles").iterdir()]
    assert len(pages) >= 1900 and sum('lang="fa" dir="rtl"' in page for page in pages) >= 800
    assert any('class="standfirst"' in page for page in pages), "leads are shown"


def test_read_sources_takes_the_mapping(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"heading": "x", "story": "The story of x, told at length."}))
    mapping = FieldMapping.parse(["title=heading", "body=story"])
    [article] = list(read_sources([tmp_path], mapping=mapping))
    assert isinstance(article, Article) and article.title == "x"


def test_a_json_file_beside_a_text_file_is_its_sidecar_not_a_source(tmp_path):
    (tmp_path / "wire.txt").write_text("TEHRAN - Officials announced the new budget figures for the coming year "
                                       "on Sunday in a statement to reporters.")
    (tmp_path / "wire.json").write_text(json.dumps({"published": "2021-05-12", "desk": "economy"}))
    [article] = list(read_sources([tmp_path]))
    assert article.published.date().isoformat() == "2021-05-12" and article.extra == {"desk": "economy"}


def test_paths_in_this_module_exist():
    assert all((FEEDS / name).is_file() for name in FEED_ITEMS) and Path(FARS / "fars-news.jsonl").is_file()


@pytest.mark.parametrize("text, codepage", [
    ("مجلس بودجه را تصويب كرد و گفت اين بودجه براي كشور مهم است.", "cp1256"),
    ("رئيس الجمهورية تحدث في مؤتمر صحفي عن السياسة الخارجية وقال إن البلاد مستعدة", "cp1256"),
    ("В Бузулуке обсудили вопросы, касающиеся главных строительных объектов города", "cp1251"),
])
def test_legacy_encodings_are_not_mistaken_for_each_other(text, codepage):
    from dateline.corpus.decode import decode_text

    assert decode_text(text.encode(codepage), "x.txt") == text, "Windows-1256 Persian was read as mac_cyrillic"


def test_agency_names_in_either_spelling_resolve():
    from dateline.corpus.agencies import normalise_agency

    assert normalise_agency("خبرگزاري فارس") == normalise_agency("خبرگزاری فارس") == "Fars News Agency"
