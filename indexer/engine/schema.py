"""The Whoosh schema, derived from the field registry."""

from __future__ import annotations

from whoosh import columns, fields

from dateline.indexer.engine.analysis import news_analyzer
from dateline.indexer.engine.formats import VarintPositions
from dateline.indexer.engine.pairs import pairs_field
from dateline.indexer.fields import FIELDS


def _text(analyzer: object, spelling: bool) -> fields.TEXT:
    """A text field whose positions numpy reads a posting list at a time (formats.py)."""
    field = fields.TEXT(analyzer=analyzer, spelling=spelling)
    field.format = VarintPositions(field_boost=field.format.field_boost)
    return field


def _column_only(field: fields.FieldType) -> fields.FieldType:
    """A field kept as a column (and stored, if it is) but given no terms: what is only read by
    document, never looked up by value. A date had four terms a document (Whoosh's numeric range
    tiers), a key and a checksum one each: two thirds of a segment's terms, each written as a
    posting list of its own, which was most of the time a segment took to write."""
    field.indexed = False
    return field


def build_schema() -> fields.Schema:
    """One Whoosh field per registry entry. Single-valued facets are sortable columns (fast facet
    maps); multi-valued ones comma-separated keyword lists. Dates are searched by the day column
    (plan.Days), keys read from their column and checksums from the stored fields: none of them is
    indexed (indexes made before 2026-12-05 index them, and are read alike)."""
    analyzer = news_analyzer()
    kinds = {
        "key": lambda f: _column_only(fields.ID(stored=True, sortable=True)),
        "id": lambda f: fields.ID(stored=True),
        "path": lambda f: fields.ID(stored=True),
        "checksum": lambda f: fields.STORED(),
        "signature": lambda f: fields.ID(),
        "text": lambda f: _text(analyzer, spelling=f.name == "body"),
        "facet": lambda f: fields.ID(stored=False, sortable=True),
        "facets": lambda f: fields.KEYWORD(stored=False, commas=True, scorable=False),
        "instant": lambda f: _column_only(fields.DATETIME(sortable=True)),
        "day": lambda f: _column_only(fields.NUMERIC(int, bits=32, signed=False, sortable=True)),
        "group": lambda f: fields.ID(stored=True, sortable=True),
        "bytes": lambda f: fields.COLUMN(columns.VarBytesColumn()),
        "article": lambda f: fields.STORED(),
    }
    schema = fields.Schema(**{f.name: kinds[f.kind](f) for f in FIELDS})
    for field in FIELDS:
        if field.kind == "text":  # its pairs of common words (pairs.py); indexes made before have none
            schema.add(pairs_field(field.name), fields.ID())
    return schema
