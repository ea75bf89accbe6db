"""WARC and WARC.gz web archives (warcio): each HTML response record becomes an article."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from dateline.corpus.article import Article, check_article_size
from dateline.corpus.dates import parse_date
from dateline.corpus.decode import decode_text
from dateline.corpus.readers.html import article_from_html
from dateline.corpus.records import DEFAULT_MAPPING, FieldMapping
from dateline.errors import SourceError

_DAMAGED_AT = re.compile(r"Offset: (\d+)")


def _is_html_response(record) -> bool:
    if record.rec_type != "response" or record.http_headers is None:
        return False
    status = record.http_headers.get_statuscode()
    content_type = record.http_headers.get_header("Content-Type") or ""
    return status == "200" and "html" in content_type.lower()


class WarcReader:
    name = "warc"

    def accepts(self, path: Path, head: bytes) -> bool:
        name = path.name.lower()
        return name.endswith((".warc", ".warc.gz", ".arc.gz")) or head.startswith(b"WARC/")

    def read(self, path: Path, data: bytes, ingested: datetime,
             mapping: FieldMapping = DEFAULT_MAPPING) -> Iterator[Article | SourceError]:
        source = str(path)
        warnings = io.StringIO()  # warcio writes its warnings about damaged records to stderr
        records = ArchiveIterator(io.BytesIO(data))
        offset = 0
        while True:
            try:
                with contextlib.redirect_stderr(warnings):
                    record = next(records)
                    if not _is_html_response(record):
                        continue
                    content = record.content_stream().read()
                    offset = records.get_record_offset()  # known only once the record has been read
            except StopIteration:
                break
            except Exception as exc:  # warcio raises whatever its parsers hit on malformed input
                reason = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
                yield SourceError(source, f"truncated or corrupt WARC: {reason}", f"after byte {offset}")
                return
            url = record.rec_headers.get_header("WARC-Target-URI")
            missing = getattr(record.raw_stream, "limit", 0)
            if missing:
                yield SourceError(source, f"truncated WARC: record ends {missing} bytes short",
                                  f"record at byte {offset} ({url})")
                return
            try:
                check_article_size(len(content), source)
                page = decode_text(content, source)
                yield article_from_html(
                    page, source, ingested, offset=offset, url=url,
                    fetched=parse_date(record.rec_headers.get_header("WARC-Date")),
                )
            except SourceError as error:
                yield SourceError(source, error.message, f"record at byte {offset} ({url})")
        damaged = _DAMAGED_AT.findall(warnings.getvalue())
        if damaged:
            yield SourceError(source, f"{len(damaged)} records not followed by a blank line (a wrong Content-Length?); "
                              "read as far as possible", f"byte {damaged[0]}")


READER = WarcReader()
