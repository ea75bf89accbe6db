"""JSON Lines exports: one article object per line.

Field names (documented in the README): ``title``, ``body`` (or ``text``/``content``), ``url``,
``published`` (or ``date``), ``agency``, ``license``, ``byline`` (or ``author``), ``editors``,
``language``, ``dateline``, ``topics``, ``places``, ``people``, ``id``. Unknown fields are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from dateline.corpus.agencies import normalise_agency
from dateline.corpus.article import Article, check_article_size, make_article
from dateline.corpus.dates import parse_date
from dateline.corpus.licenses import spdx_from_text
from dateline.corpus.wire import parse_wire_copy
from dateline.errors import SourceError


def _text(record: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = record.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def _names(record: dict[str, Any], key: str) -> tuple[str, ...]:
    value = record.get(key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    return tuple(str(item).strip() for item in value if isinstance(item, (str, int)) and str(item).strip())


def given_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The metadata a JSON record (a JSON Lines row or a .txt sidecar) gives, under Article's names.

    Only fields the record actually gives are returned, so they can win over guesses from the text.
    """
    license_text = _text(record, "license")
    fields = {
        "title": _text(record, "title", "headline"),
        "url": _text(record, "url", "link"),
        "language": _text(record, "language", "lang"),
        "agency": normalise_agency(_text(record, "agency", "publisher", "source")),
        "license": spdx_from_text(license_text) or license_text,
        "license_text": license_text,
        "published": parse_date(record.get("published", record.get("date"))),
        "dateline": _text(record, "dateline"),
        "byline": _text(record, "byline", "author"),
        "editors": _text(record, "editors"),
        "topics": _names(record, "topics"),
        "places": _names(record, "places"),
        "people": _names(record, "people"),
    }
    return {key: value for key, value in fields.items() if value}


def article_from_record(record: Any, source: str, offset: int, ingested: datetime) -> Article:
    """Pure: one decoded JSON record to an article; wire conventions in the body are still recognised."""
    if not isinstance(record, dict):
        raise SourceError(source, "expected a JSON object", f"line {offset}")
    body = _text(record, "body", "text", "content")
    if not body:
        raise SourceError(source, "no body/text/content field", f"line {offset}")
    paragraphs, fields = parse_wire_copy(body)
    fields.update(given_fields(record))
    native_id = _text(record, "id")
    return make_article(
        paragraphs=paragraphs,
        source=source,
        offset=offset,
        ingested=ingested,
        identity=f"{fields.get('agency')}:{native_id}" if native_id else None,
        **fields,
    )


class JsonLinesReader:
    name = "jsonl"

    def accepts(self, path: Path, head: bytes) -> bool:
        return path.suffix.lower() in {".jsonl", ".ndjson"}

    def read(self, path: Path, data: bytes, ingested: datetime) -> Iterator[Article | SourceError]:
        if not data.strip():
            yield SourceError(str(path), "empty file")
            return
        for number, line in enumerate(data.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                check_article_size(len(line), str(path), f"line {number}")
                record = json.loads(line.decode("utf-8"))
            except SourceError as error:
                yield error
                continue
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield SourceError(str(path), f"malformed JSON: {exc}", f"line {number}")
                continue
            try:
                yield article_from_record(record, str(path), number, ingested)
            except SourceError as error:
                yield error


READER = JsonLinesReader()
