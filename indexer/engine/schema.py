"""The Whoosh schema, derived from the field registry."""

from __future__ import annotations

from whoosh import columns, fields

from dateline.indexer.engine.analysis import news_analyzer
from dateline.indexer.engine.formats import VarintPositions
from dateline.indexer.fields import FIELDS


def _text(analyzer: object, spelling: bool) -> fields.TEXT:
    """A text field whose positions numpy reads a posting list at a time (formats.py)."""
    field = fields.TEXT(analyzer=analyzer, spelling=spelling)
    field.format = VarintPositions(field_boost=field.format.field_boost)
    return field


def build_schema() -> fields.Schema:
    """One Whoosh field per registry entry. Single-valued facets are sortable columns (fast facet
    maps); multi-valued ones comma-separated keyword lists."""
    analyzer = news_analyzer()
    kinds = {
        "key": lambda f: fields.ID(unique=True, stored=True, sortable=True),
        "id": lambda f: fields.ID(stored=True),
        "path": lambda f: fields.ID(stored=True),
        "checksum": lambda f: fields.ID(stored=True),
        "signature": lambda f: fields.ID(),
        "text": lambda f: _text(analyzer, spelling=f.name == "body"),
        "facet": lambda f: fields.ID(stored=False, sortable=True),
        "facets": lambda f: fields.KEYWORD(stored=False, commas=True, scorable=False),
        "instant": lambda f: fields.DATETIME(sortable=True),
        "day": lambda f: fields.NUMERIC(int, bits=32, signed=False, sortable=True),
        "group": lambda f: fields.ID(stored=True, sortable=True),
        "bytes": lambda f: fields.COLUMN(columns.VarBytesColumn()),
        "article": lambda f: fields.STORED(),
    }
    return fields.Schema(**{f.name: kinds[f.kind](f) for f in FIELDS})
