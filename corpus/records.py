"""One field mapping for every record format: JSON Lines, JSON documents, CSV/TSV rows, .txt sidecars.

A record is a source's own flat mapping of field names to values. The common names below are read
without configuration (in any case, `pubDate` as `pubdate`); `--field ARTICLE_FIELD=SOURCE_FIELD`
(or a file of such lines, `--fields FILE`) names the others, and wins over the common names. Fields
that map to nothing are kept with the article as `extra`, never dropped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dateline.corpus.agencies import normalise_agency
from dateline.corpus.article import Article, make_article
from dateline.corpus.dates import parse_date
from dateline.corpus.language import detect_language, normalise_language
from dateline.corpus.licenses import spdx_from_text
from dateline.corpus.wire import line_paragraphs, looks_like_wire_copy, parse_wire_copy
from dateline.errors import DatelineError, SourceError

# Article field -> the source field names that give it, most specific first.
COMMON_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "guid", "uuid", "newid", "news_id", "article_id", "doc_id"),
    "title": ("title", "headline", "heading"),
    "body": ("body", "text", "content", "article", "story", "full_text", "fulltext", "article_body",
             "articlebody", "paragraphs"),
    "lead": ("lead", "abstract", "summary", "description", "standfirst", "teaser", "subtitle"),
    "url": ("url", "link", "permalink", "canonical_url", "uri"),
    "published": ("published", "date", "pubdate", "datetime", "timestamp", "created_at", "published_at",
                  "publish_date", "date_published", "publication_date", "pub_date"),
    "agency": ("agency", "publisher", "source", "site", "outlet", "media_name", "media", "site_name"),
    "license": ("license", "licence", "rights", "copyright"),
    "byline": ("byline", "author", "authors", "creator", "writer"),
    "editors": ("editors", "editor"),
    "language": ("language", "lang", "inlanguage", "in_language", "locale"),
    "dateline": ("dateline",),
    "topics": ("topics", "topic", "category", "categories", "cat", "section", "subcat", "subcategory", "tags",
               "keywords", "subjects"),
    "places": ("places", "place", "countries", "country", "locations"),
    "people": ("people", "persons", "person"),
}
LIST_FIELDS = {"topics", "places", "people"}  # every source field that gives one is merged, in order
_CUT_SHORT = re.compile(r"\s*\[\+\d+ chars\]$")  # NewsAPI's note of how much of the text it left out


@functools.lru_cache(maxsize=4096)  # a source's few field names, asked for on every record
def _key(name: str) -> str:
    """How field names are compared: case and separators do not matter ('Pub Date' = 'pub_date'),
    and camelCase is words ('publishedAt' = 'published_at', as NewsAPI and JavaScript export them)."""
    return re.sub(r"[\s\-._]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())).casefold()


@dataclass(frozen=True)
class FieldMapping:
    """Which source fields give which article field: the user's own names first, then the common ones."""

    given: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, specs: Iterable[str], origin: str = "--field") -> FieldMapping:
        """`ARTICLE_FIELD=SOURCE_FIELD` specs (blank lines and # comments are passed over)."""
        pairs = []
        for number, spec in enumerate(specs, start=1):
            spec = spec.strip()
            if not spec or spec.startswith("#"):
                continue
            article_field, sep, source_field = (part.strip() for part in spec.partition("="))
            where = f"{origin} {spec!r}" if origin == "--field" else f"{origin}:{number}"
            if not sep or not source_field:
                raise DatelineError(f"{where}: expected ARTICLE_FIELD=SOURCE_FIELD, e.g. body=story_text")
            if article_field not in COMMON_NAMES:
                raise DatelineError(f"{where}: no article field {article_field!r} "
                                    f"(fields: {', '.join(COMMON_NAMES)})")
            pairs.append((article_field, source_field))
        return cls(tuple(pairs))

    @property
    def key(self) -> str:
        """Part of a file's signature, so that indexing with another mapping reads files again."""
        return ";".join(f"{a}={s}" for a, s in self.given)

    def names(self, article_field: str) -> list[str]:
        own = [_key(source) for target, source in self.given if target == article_field]
        return own + [name for name in COMMON_NAMES[article_field] if name not in own]


DEFAULT_MAPPING = FieldMapping()


@dataclass(frozen=True)
class MappedRecord:
    values: dict[str, Any]                       # article field -> the source's value
    extra: dict[str, Any] = field(default_factory=dict)  # source fields that mapped to nothing


def _present(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, dict)):
        return bool(value)
    return value is not None and not isinstance(value, bool)


def map_record(record: Mapping[str, Any], mapping: FieldMapping = DEFAULT_MAPPING) -> MappedRecord:
    """Pure: a record's fields under the article's names, and what is left over."""
    by_key = {_key(name): name for name in record}
    used: set[str] = set()
    values: dict[str, Any] = {}
    for article_field in COMMON_NAMES:
        for name in mapping.names(article_field):
            original = by_key.get(name)
            if original is None or original in used or not _present(record[original]):
                continue
            used.add(original)
            if article_field in LIST_FIELDS:
                values.setdefault(article_field, []).append(record[original])
            else:
                values[article_field] = record[original]
                break
    extra = {name: value for name, value in record.items()
             if name not in used and _present(value) and name.strip()}
    return MappedRecord(values, extra)


def _text(value: Any) -> str | None:
    """One string from a scalar, a list of strings, or a schema.org-style {"name": ...} object."""
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, list):
        parts = [_text(item) for item in value]
        return ", ".join(part for part in parts if part) or None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = " ".join(str(value).split())
        return text or None
    return None


def _names(values: list[Any]) -> tuple[str, ...]:
    """Topic-like values from several fields, each a string or a list ('a, b' stays one value)."""
    names: list[str] = []
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            text = _text(item)
            if text and text not in names:
                names.append(text)
    return tuple(names)


def _body(value: Any) -> tuple[list[str], dict[str, Any]]:
    """Paragraphs of a body, and what wire conventions in it gave (only where it reads as wire copy)."""
    if isinstance(value, list):
        return [p for p in (_text(item) for item in value) if p], {}
    text = str(value).strip()
    if text.endswith(" chars]"):  # the pattern, searched through every body, cost 20 us an article
        text = _CUT_SHORT.sub("", text)
    if looks_like_wire_copy(text):
        paragraphs, fields = parse_wire_copy(text)
        return paragraphs, {k: v for k, v in fields.items() if v}
    return line_paragraphs(text), {}


def record_fields(mapped: MappedRecord, text: str = "") -> dict[str, Any]:
    """The metadata fields a mapped record gives, as make_article takes them (only those it gives);
    the language identified from `text` where the record names none."""
    values = mapped.values
    license_text = _text(values.get("license"))
    language = normalise_language(_text(values.get("language"))) or (detect_language(text) if text else None)
    fields = {
        "title": _text(values.get("title")),
        "lead": _text(values.get("lead")),
        "url": _text(values.get("url")),
        "language": language,
        "agency": normalise_agency(_text(values.get("agency"))),
        "license": spdx_from_text(license_text) or license_text,
        "license_text": license_text,
        "published": parse_date(values.get("published"), language),
        "dateline": _text(values.get("dateline")),
        "byline": _text(values.get("byline")),
        "editors": _text(values.get("editors")),
        **{name: _names(values.get(name, [])) for name in LIST_FIELDS},
    }
    return {key: value for key, value in fields.items() if value}


def _check_headline_only(mapped: MappedRecord, title: str, source: str, location: str) -> None:
    """A record with a title and no body is a headline (datasets of headlines alone are common),
    unless a field mapped to nothing holds more text than the title: most often the body under a
    name of the source's own, which --field names (and the error names, when it is some text)."""
    texts = {name: value.strip() for name, value in mapped.extra.items() if isinstance(value, str)}
    longest = max(texts, key=lambda name: len(texts[name].split()), default="")  # in words: not a URL
    if title and len(texts.get(longest, "").split()) <= len(title.split()):
        return
    known = ", ".join(COMMON_NAMES["body"][:6])
    named = f"{longest}?" if len(texts.get(longest, "")) >= 20 else "NAME"
    raise SourceError(source, f"no body (body fields: {known}, …; or --field body={named})", location)


def article_from_record(record: Any, source: str, offset: int, location: str, ingested: datetime,
                        mapping: FieldMapping = DEFAULT_MAPPING) -> Article:
    """Pure: one record (a JSON object, a CSV row) to an article; the record's fields win over what
    the body's wire conventions suggest."""
    if not isinstance(record, dict):
        raise SourceError(source, "expected an object of named fields", location)
    mapped = map_record(record, mapping)
    body = mapped.values.get("body")
    title, lead = (_text(mapped.values.get(name)) or "" for name in ("title", "lead"))
    if body is None:
        _check_headline_only(mapped, title, source, location)
    paragraphs, wire = _body(body) if body is not None else ([], {})
    text = " ".join([title, lead, *paragraphs[:3]])
    fields = {**wire, **record_fields(mapped, text)}
    native_id = _text(mapped.values.get("id"))
    agency = fields.get("agency")
    identity = f"{agency}:{native_id}" if agency and native_id else native_id  # ids are per agency
    return make_article(paragraphs=paragraphs, source=source, offset=offset, ingested=ingested,
                        extra=mapped.extra, identity=identity, **fields)
