"""JSON documents (.json) as scrapers write them: an array of article objects, an object holding one
such array (`{"articles": [...]}`, `{"data": {"items": [...]}}`), or one article object.

A `.json` beside a `.txt` of the same name is that text's sidecar, not a source of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from dateline.corpus.article import Article
from dateline.corpus.records import DEFAULT_MAPPING, FieldMapping, article_from_record, map_record
from dateline.errors import SourceError


def records_in(document: Any) -> list[Any] | None:
    """The article objects a JSON document holds, looking inside objects for the one array of objects."""
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        return None
    arrays = [value for value in document.values()
              if isinstance(value, list) and value and all(isinstance(item, dict) for item in value)]
    if len(arrays) == 1:
        return arrays[0]
    nested = [found for value in document.values()
              if isinstance(value, dict) and (found := records_in(value))]
    if not arrays and len(nested) == 1:
        return nested[0]
    mapped = map_record(document).values
    return [document] if "body" in mapped or "title" in mapped else None


class JsonDocumentReader:
    name = "json"

    def accepts(self, path: Path, head: bytes) -> bool:
        return path.suffix.lower() == ".json"

    def read(self, path: Path, data: bytes, ingested: datetime,
             mapping: FieldMapping = DEFAULT_MAPPING) -> Iterator[Article | SourceError]:
        source = str(path)
        try:
            document = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            yield SourceError(source, f"malformed JSON: {exc}")
            return
        records = records_in(document)
        if records is None:
            yield SourceError(source, "no array of article objects in this JSON document")
            return
        for number, record in enumerate(records, start=1):
            try:
                yield article_from_record(record, source, number, f"item {number}", ingested, mapping)
            except SourceError as error:
                yield error


READER = JsonDocumentReader()
