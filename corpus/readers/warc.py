"""WARC and WARC.gz web archives (warcio): each HTML response record becomes an article."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from dateline.corpus.article import Article
from dateline.corpus.dates import parse_date
from dateline.corpus.decode import decode_text
from dateline.corpus.readers.html import article_from_html
from dateline.errors import SourceError


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

    def read(self, path: Path, data: bytes, ingested: datetime) -> Iterator[Article | SourceError]:
        source = str(path)
        records = ArchiveIterator(io.BytesIO(data))
        offset = 0
        try:
            for record in records:
                if not _is_html_response(record):
                    continue
                content = record.content_stream().read()
                offset = records.get_record_offset()  # known only once the record has been read
                url = record.rec_headers.get_header("WARC-Target-URI")
                missing = getattr(record.raw_stream, "limit", 0)
                if missing:
                    yield SourceError(source, f"truncated WARC: record ends {missing} bytes short", f"record at byte {offset} ({url})")
                    return
                try:
                    page = decode_text(content, source)
                    yield article_from_html(
                        page, source, ingested, offset=offset, url=url,
                        fetched=parse_date(record.rec_headers.get_header("WARC-Date")),
                    )
                except SourceError as error:
                    yield SourceError(source, error.message, f"record at byte {offset} ({url})")
        except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            yield SourceError(source, f"truncated or corrupt WARC: {reason}", f"after byte {offset}")


READER = WarcReader()
