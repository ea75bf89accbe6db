"""Web archives (warcio): WARC and ARC files, compressed per record or not; each capture of an HTML
page becomes an article.

An archive keeps every capture: two captures of one URL on two days are two articles (identity is the
URL and the capture time), each with its fetch time as provenance (never as a publication date). A
revisit record (a capture whose payload repeats an earlier one) is a capture too: it is read as the
page it repeats, found in the same file by payload digest or by its WARC-Refers-To headers, and says
which capture that was (`extra["revisit_of"]`).
Pages are decoded in the charset their HTTP header or <meta> declares; gzip, deflate and brotli
Content-Encodings are undone by warcio.
"""

from __future__ import annotations

import contextlib
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import brotlicffi
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader

from dateline.corpus.article import Article, article_id, aware, check_article_size
from dateline.corpus.dates import parse_date
from dateline.corpus.decode import charset_of, decode_text, meta_charset
from dateline.corpus.readers.html import article_from_html
from dateline.corpus.records import DEFAULT_MAPPING, FieldMapping
from dateline.errors import SourceError

_DAMAGED_AT = re.compile(r"Offset: (\d+)")


def _brotli_decompressor() -> brotlicffi.Decompressor:
    """warcio's own brotli support sets `unused_data` on the decompressor, which the C one of the
    `brotli` package does not allow; brotlicffi's (brotlipy's successor, the API warcio was written
    for) does. Registered in warcio's table of Content-Encodings."""
    decompressor = brotlicffi.Decompressor()
    decompressor.unused_data = None
    return decompressor


BufferedReader.DECOMPRESSORS["br"] = _brotli_decompressor


def whole_file_gzip(data: bytes) -> bytes | None:
    """The archive inside a .warc.gz compressed as one gzip member (not one a record, as WARC wants,
    which warcio refuses), or None when the file is not one."""
    if not data.startswith(b"\x1f\x8b"):
        return None
    member = zlib.decompressobj(wbits=31)
    try:
        inside = member.decompress(data)
    except zlib.error:
        return None
    if (not member.eof or member.unused_data.strip(b"\x00")
            or not inside.lstrip().startswith((b"WARC/", b"filedesc:"))):
        return None
    return inside


def _drain(record) -> None:
    """Read a record that is not an HTML page to its end, a block at a time, keeping nothing."""
    for _ in iter(lambda: record.raw_stream.read(1 << 16), b""):
        pass


def _page_type(record, kind: str = "response") -> str | None:
    """The Content-Type of the HTML page a record of this kind holds, or None: a response (or a
    revisit of one) with status 200, or a resource, a page stored without HTTP headers (as warcit
    and other tools that archive files store them)."""
    if record.rec_type == "resource" and kind == "response":
        content_type = record.rec_headers.get_header("Content-Type") or ""
    elif record.rec_type == kind and record.http_headers is not None:
        if record.http_headers.get_statuscode() != "200":
            return None
        content_type = record.http_headers.get_header("Content-Type") or ""
    else:
        return None
    return content_type if "html" in content_type.lower() else None


def _capture_time(value: str | None) -> datetime | None:
    """WARC-Date (and an ARC date, read as one) is UTC by the standard."""
    moment = parse_date(value)
    return aware(moment) if moment else None


def _revisit(record, captures: dict[str, Article], offset: int) -> Article | None:
    """A revisit as the capture it repeats, under its own identity and fetch time; None when that
    capture is in another file (its text is not in this one)."""
    headers = record.rec_headers
    url, captured = headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date")
    refers_to = headers.get_header("WARC-Refers-To-Target-URI") or url
    refers = f"{refers_to} {headers.get_header('WARC-Refers-To-Date')}"
    original = captures.get(headers.get_header("WARC-Payload-Digest") or "-") or captures.get(refers)
    if original is None:
        return None
    identity = f"capture {url} {captured}"
    provenance = replace(original.provenance, offset=offset, fetched=_capture_time(captured), record=identity)
    original_capture = (original.provenance.record or "").removeprefix("capture ")
    return replace(original, id=article_id(identity), provenance=provenance,
                   extra={**original.extra, "revisit_of": original_capture})


class WarcReader:
    name = "warc"

    def accepts(self, path: Path, head: bytes) -> bool:
        name = path.name.lower()
        return name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz")) or head.startswith((b"WARC/", b"filedesc://"))

    def read(self, path: Path, data: bytes, ingested: datetime,
             mapping: FieldMapping = DEFAULT_MAPPING) -> Iterator[Article | SourceError]:
        source = str(path)
        data = whole_file_gzip(data) or data  # offsets are then in the uncompressed archive
        warnings = io.StringIO()  # warcio writes its warnings about damaged records to stderr
        records = ArchiveIterator(io.BytesIO(data), arc2warc=True)  # ARC headers read as WARC ones
        offset = end = 0  # where the current record starts, and where the last whole one ended
        captures: dict[str, Article] = {}  # by payload digest and by "URL capture-time", for revisits
        elsewhere: list[int] = []  # offsets of revisits of captures in other files
        while True:
            try:
                with contextlib.redirect_stderr(warnings):
                    record = next(records)
                    # Every record is read to its end, so that one cut short is reported, whatever its kind.
                    content, content_type = None, _page_type(record)
                    if content_type:
                        content = record.content_stream().read()
                    else:
                        _drain(record)
                    offset = records.get_record_offset()  # known only once the record has been read
                    length = records.get_record_length()
            except StopIteration:
                if data[end:].strip(b"\r\n\x00 \t"):  # warcio stops quietly inside a cut gzip member
                    yield SourceError(source, f"truncated WARC: {len(data) - end} bytes after the last "
                                      "whole record are not a record", f"byte {end}")
                break
            except Exception as exc:  # warcio raises whatever its parsers hit on malformed input
                lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
                reason = lines[0] if lines else type(exc).__name__
                yield SourceError(source, f"truncated or corrupt WARC: {reason}", f"after byte {offset}")
                return
            url = record.rec_headers.get_header("WARC-Target-URI")
            captured = record.rec_headers.get_header("WARC-Date")
            missing = getattr(record.raw_stream, "limit", 0)
            if record.format.startswith("warc") and record.rec_headers.get_header("Content-Length") is None:
                yield SourceError(source, "truncated WARC: a record's headers end before its Content-Length",
                                  f"record at byte {offset}")
                return
            if missing:
                yield SourceError(source, f"truncated WARC: record ends {missing} bytes short",
                                  f"record at byte {offset} ({url})")
                return
            end = offset + length
            if _page_type(record, "revisit"):
                revisit = _revisit(record, captures, offset)
                if revisit is None:
                    elsewhere.append(offset)
                else:
                    yield revisit
            if content is None:
                continue
            try:
                check_article_size(len(content), source)
                declared = charset_of(content_type) or meta_charset(content)
                page = decode_text(content, source, declared)
                capture = f"{url} {captured}"
                article = article_from_html(page, source, ingested, offset=offset, url=url,
                                            fetched=_capture_time(captured), identity=f"capture {capture}")
                digest = record.rec_headers.get_header("WARC-Payload-Digest") or ""
                captures[digest] = captures[capture] = article
                yield article
            except SourceError as error:
                yield SourceError(source, error.message, f"record at byte {offset} ({url})")
        if elsewhere:
            yield SourceError(source, f"{len(elsewhere)} revisit records repeat pages captured in other "
                              "files: passed over, they are read from the files that hold them",
                              f"first at byte {elsewhere[0]}", not_article=True)
        damaged = _DAMAGED_AT.findall(warnings.getvalue())
        if damaged:
            yield SourceError(source, f"{len(damaged)} records not followed by a blank line "
                              "(a wrong Content-Length?); read as far as possible", f"byte {damaged[0]}")


READER = WarcReader()
