"""CSV and TSV exports (.csv, .tsv): a header row, then one article a row, fields mapped by name.

The delimiter is the one the header line uses most (comma, tab, semicolon or bar); quoted fields may
hold newlines; a BOM and legacy encodings are handled as for every text source. A header cell left
empty (pandas' index column) names no field. A row that cannot be parsed is one error naming the
file and row, and the rest is read; a row with nothing in it is passed over.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from dateline.corpus.article import MAX_ARTICLE_BYTES, Article
from dateline.corpus.decode import decode_text
from dateline.corpus.records import DEFAULT_MAPPING, FieldMapping, article_from_record
from dateline.errors import SourceError

DELIMITERS = ",\t;|"
csv.field_size_limit(MAX_ARTICLE_BYTES)  # the module's default (128 KB) is shorter than long articles


def delimiter_of(header: str, default: str) -> str:
    """The delimiter the header line uses most, or the format's default when it uses none."""
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else default


class DelimitedReader:
    name = "csv"

    def accepts(self, path: Path, head: bytes) -> bool:
        return path.suffix.lower() in {".csv", ".tsv", ".tab"}

    def read(self, path: Path, data: bytes, ingested: datetime,
             mapping: FieldMapping = DEFAULT_MAPPING) -> Iterator[Article | SourceError]:
        source = str(path)
        try:
            text = decode_text(data, source)
        except SourceError as error:
            yield error
            return
        default = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
        # strict: a stray quote is an error on its row, where lenient parsing would run rows together silently
        delimiter = delimiter_of(text.split("\n", 1)[0], default)
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        try:
            header = [name.strip() for name in next(rows)]
        except (StopIteration, csv.Error) as exc:
            yield SourceError(source, f"no header row ({exc})" if str(exc) else "no header row")
            return
        number = 0
        while True:
            number, line = number + 1, rows.line_num + 1
            location = f"row {number} (line {line})"
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:
                yield SourceError(source, f"malformed CSV: {exc}", location)
                continue
            record = {name: value for name, value in zip(header, row, strict=False) if name}
            if len(row) > len(header):
                record.update({f"column {n + 1}": value for n, value in enumerate(row) if n >= len(header)})
            if not any(value.strip() for value in record.values()):
                continue
            try:
                yield article_from_record(record, source, number, location, ingested, mapping)
            except SourceError as error:
                yield error


READER = DelimitedReader()
