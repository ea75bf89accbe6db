"""Plain-text wire copy (.txt), with an optional NAME.json sidecar whose fields win over guesses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from dateline.corpus.article import Article, check_article_size, make_article
from dateline.corpus.decode import decode_text
from dateline.corpus.records import DEFAULT_MAPPING, FieldMapping, map_record, record_fields
from dateline.corpus.wire import parse_wire_copy
from dateline.errors import SourceError

# Three running words in lower case (or a script without case): what prose has and lists, tables do not.
_PROSE_LINE = re.compile(r"[^\W\d_A-Z]{3,} [^\W\d_A-Z]{2,} [^\W\d_A-Z]{2,}")


def prose_share(text: str) -> float:
    """The share of characters on prose lines: word lists, tables and notes score low, wire copy near 1."""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    total = sum(map(len, lines))
    prose = sum(len(line) for line in lines if len(line.strip()) >= 40 and _PROSE_LINE.search(line))
    return prose / total if total else 0.0


def read_sidecar(path: Path) -> dict[str, Any]:
    """Fields from NAME.json beside NAME.txt; a broken sidecar is an error on the sidecar."""
    sidecar = path.with_suffix(".json")
    if not sidecar.is_file():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(str(sidecar), f"unreadable sidecar: {exc}") from None
    if not isinstance(data, dict):
        raise SourceError(str(sidecar), "sidecar must hold a JSON object")
    return data


def article_from_wire_text(text: str, source: str, ingested: datetime, sidecar: dict[str, Any],
                           mapping: FieldMapping = DEFAULT_MAPPING) -> Article:
    """Pure: wire copy text (and sidecar fields, which win over what the text suggests) to an article."""
    if prose_share(text) < 0.5:
        raise SourceError(source, "not an article: mostly lists or tables, not prose", not_article=True)
    paragraphs, fields = parse_wire_copy(text)
    mapped = map_record(sidecar, mapping)
    fields.update(record_fields(mapped))
    return make_article(paragraphs=paragraphs, source=source, ingested=ingested, extra=mapped.extra, **fields)


class TextReader:
    name = "text"

    def accepts(self, path: Path, head: bytes) -> bool:
        return path.suffix.lower() in {".txt", ".text"}

    def read(self, path: Path, data: bytes, ingested: datetime,
             mapping: FieldMapping = DEFAULT_MAPPING) -> Iterator[Article | SourceError]:
        try:
            check_article_size(len(data), str(path))
            text = decode_text(data, str(path))
            yield article_from_wire_text(text, str(path), ingested, read_sidecar(path), mapping)
        except SourceError as error:
            yield error


READER = TextReader()
