"""Web archives as the field writes them: every capture kept, ARC files, Content-Encodings, declared
charsets and truncated files, on the public test files in ../shared/data/warc-samples."""

from __future__ import annotations

import gzip
import io
from datetime import datetime, timezone

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from dateline.corpus import read_file

from .conftest import SHARED, articles, errors, run_cli

SAMPLES = SHARED / "data" / "warc-samples"
SMALL = SAMPLES / "ukwa-test-suite" / "small-arcs-and-warcs"
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)




def test_two_captures_of_one_url_are_two_articles():
    sopa = SAMPLES / "ukwa-test-suite" / "wikipedia-sopa-blackout-2012"
    blackout = articles(read_file(sopa / "wikipedia-blackout" / "sopa-wikipedia-homepage.warc.gz", NOW))
    after = articles(read_file(sopa / "wikipedia-post-blackout" / "main-page.warc.gz", NOW))
    assert blackout[0].url == after[0].url == "http://en.wikipedia.org/wiki/Main_Page"
    assert blackout[0].id != after[0].id, "the blackout day and the day after are two captures"
    assert blackout[0].provenance.fetched.date().isoformat() == "2012-01-18"
    assert after[0].provenance.fetched.date().isoformat() == "2012-01-19"


@pytest.mark.parametrize("name", ["example.warc", "example.warc.gz"])
def test_a_revisit_is_a_capture_of_the_page_it_repeats(name):
    first, revisit = articles(read_file(SAMPLES / "warcio" / name, NOW))
    assert revisit.id != first.id and revisit.body == first.body and revisit.url == first.url
    assert revisit.extra["revisit_of"] == "http://example.com/ 2017-03-06T04:02:06Z"
    assert revisit.provenance.fetched.isoformat() == "2017-03-06T04:03:48+00:00"
    assert "revisit_of" not in first.extra


def test_revisits_of_captures_in_other_files_are_one_note(tmp_path):
    """A crawl's revisit records whose captures lie in earlier WARCs: passed over in one note, not failed."""
    index = tmp_path / "index"
    revisits = SAMPLES / "webarchive-discovery" / "gov.uk-revisit-warcs"
    result = run_cli("index", str(revisits), "--index", str(index))
    assert result.returncode == 0, result.stderr
    [note] = [line for line in result.stderr.splitlines() if "revisit" in line]
    assert note.startswith("note: ") and "26 revisit records repeat pages captured in other files" in note
    assert "first at byte 2005" in note and ", 1 passed over, 0 sources failed" in result.stderr


@pytest.mark.parametrize("suffix", [".arc", ".arc.gz", ".warc", ".warc.gz"])
def test_arc_and_warc_files_of_the_same_records_give_the_same_articles(suffix):
    reference = articles(read_file(SMALL / "IAH-20080430204825-00000-blackbook-truncated.warc.gz", NOW))
    found = articles(read_file(SMALL / f"IAH-20080430204825-00000-blackbook-truncated{suffix}", NOW))
    assert len(found) == len(reference) == 2
    assert [(a.id, a.url, a.provenance.fetched, a.provenance.checksum) for a in found] == \
           [(a.id, a.url, a.provenance.fetched, a.provenance.checksum) for a in reference]
    assert all(a.url and a.provenance.fetched for a in found), "ARC records keep their URL and fetch time"


@pytest.mark.parametrize("encoding", ["none", "gzip", "brotli"])
@pytest.mark.parametrize("container", [".warc", ".warc.gz"])
def test_content_encodings_are_undone(encoding, container):
    found = articles(read_file(SAMPLES / "webarchive-discovery" / "compression" /
                               f"transfer_compression_{encoding}{container}", NOW))
    reference = articles(read_file(SAMPLES / "webarchive-discovery" / "compression" /
                                   f"transfer_compression_none{container}", NOW))
    assert len(found) == 1 and found[0].provenance.checksum == reference[0].provenance.checksum


def _warc(pages: list[tuple[str, str, bytes]]) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    for url, content_type, page in pages:
        headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.0")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(page), http_headers=headers))
    return out.getvalue()


PERSIAN = "<html lang='fa'><body><article><p>مجلس بودجه را تصويب كرد و گفت اين بودجه براي كشور مهم است.</p></article></body></html>"


def test_a_declared_charset_wins_over_detection(tmp_path):
    page = PERSIAN.encode("cp1256")
    path = tmp_path / "persian.warc.gz"
    path.write_bytes(_warc([("http://example.org/a", "text/html; charset=windows-1256", page),
                            ("http://example.org/b", "text/html", page.replace(b"<html", b'<meta charset="windows-1256"><html')),
                            ("http://example.org/c", "text/html", page)]))
    found = articles(read_file(path, NOW))
    assert len(found) == 3 and all(a.body.startswith("مجلس بودجه") for a in found), [a.body[:20] for a in found]


def test_relative_canonical_links_resolve_against_the_page(tmp_path):
    page = (b'<html><head><link rel="canonical" href="/news/2021/budget"><title>Budget</title></head><body><article>'
            b"<p>Parliament passed the budget on Sunday, officials said in a statement.</p></article></body></html>")
    path = tmp_path / "relative.warc.gz"
    path.write_bytes(_warc([("https://example.org/print?id=7", "text/html; charset=utf-8", page)]))
    [article] = articles(read_file(path, NOW))
    assert article.url == "https://example.org/news/2021/budget"


@pytest.mark.parametrize("name", ["IAH-20080430204825-00000-blackbook-truncated.warc.gz", "IAH-urls-wget.warc.gz"])
def test_a_truncated_warc_keeps_every_record_before_the_damage(tmp_path, name):
    data = (SMALL / name).read_bytes()
    whole = articles(read_file(SMALL / name, NOW))
    for cut in (len(data) // 3, len(data) // 2, len(data) - 200):
        path = tmp_path / f"cut-{cut}.warc.gz"
        path.write_bytes(data[:cut])
        items = read_file(path, NOW)
        found, failed = articles(items), errors(items)
        assert [a.id for a in found] == [a.id for a in whole[: len(found)]], "records before the cut are kept"
        assert len(failed) == 1 and str(path) in str(failed[0]) and "byte" in str(failed[0]), (cut, failed)


def test_a_whole_file_gzip_warc_is_read(tmp_path):
    plain = SMALL / "IAH-20080430204825-00000-blackbook-truncated.warc"
    path = tmp_path / "whole.warc.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()))
    items = read_file(path, NOW)
    assert not errors(items)
    assert [a.provenance.checksum for a in articles(items)] == [a.provenance.checksum for a in articles(read_file(plain, NOW))]
    assert articles(read_file(SAMPLES / "warcio" / "example-bad-non-chunked.warc.gz", NOW))


def test_a_page_stored_as_a_resource_record_is_read():
    """A resource record holds a page without HTTP headers, as tools that archive files write it
    (warcio's example); wget's resource records of its own log and arguments are not pages."""
    [article] = articles(read_file(SAMPLES / "warcio" / "example-resource.warc.gz", NOW))
    assert article.title == "Example Domain" and article.url == "http://example.com/"
    assert "illustrative examples in documents" in article.body
    assert article.provenance.fetched == datetime(2017, 4, 29, 1, 30, 30, tzinfo=timezone.utc)  # its WARC-Date
    wget = read_file(SAMPLES / "warcio" / "example-wget-bad-target-uri.warc.gz", NOW)
    assert not errors(wget) and [a.title for a in articles(wget)] == ["Example Domain"]
