"""JSON Lines exports (.jsonl, .ndjson): one article object a line, fields mapped by name
(corpus/records.py: the common names, and --field for the rest)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from dateline.corpus.article import Article, check_article_size
from dateline.corpus.records import DEFAULT_MAPPING, FieldMapping, article_from_record
from dateline.errors import SourceError


class JsonLinesReader:
    name = "jsonl"

    def accepts(self, path: Path, head: bytes) -> bool:
        return path.suffix.lower() in {".jsonl", ".ndjson"}

    def read(self, path: Path, data: bytes, ingested: datetime,
             mapping: FieldMapping = DEFAULT_MAPPING) -> Iterator[Article | SourceError]:
        if not data.strip():
            yield SourceError(str(path), "empty file")
            return
        yield from self.read_lines(path, data, 1, ingested, mapping)

    def read_lines(self, path: Path, data: bytes, first_line: int, ingested: datetime,
                   mapping: FieldMapping = DEFAULT_MAPPING) -> Iterator[Article | SourceError]:
        """The lines of one part of the file, the first of them line `first_line`."""
        source = str(path)
        for number, line in enumerate(data.splitlines(), start=first_line):
            if not line.strip():
                continue
            location = f"line {number}"
            try:
                check_article_size(len(line), source, location)
                record = json.loads(line.decode("utf-8-sig" if number == 1 else "utf-8"))
                yield article_from_record(record, source, number, location, ingested, mapping)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield SourceError(source, f"malformed JSON: {exc}", location)
            except SourceError as error:
                yield error


READER = JsonLinesReader()
