"""The normalised article every reader produces and every later stage consumes."""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Any

from dateline.corpus.language import detect_language, normalise_language
from dateline.corpus.script import MARKS
from dateline.corpus.wire import reported_by
from dateline.errors import SourceError


def aware(moment: datetime) -> datetime:
    """The instant of a date: one whose source gives no zone (kept naive, and shown so) is taken as
    UTC, the convention of wire services, for ordering and for the index."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Provenance:
    """Where an article came from, so an archivist can always trace it back."""

    source: str
    offset: int | None
    checksum: str
    ingested: datetime
    fetched: datetime | None = None
    record: str | None = None  # the source's own identity of the record (a NEWID, an id field, a guid)


@dataclass(frozen=True)
class Article:
    """One news article, normalised; ``None`` means the source did not say."""

    id: str
    title: str
    title_derived: bool
    body: str
    provenance: Provenance
    agency: str | None = None
    license: str | None = None
    license_text: str | None = None
    published: datetime | None = None
    dateline: str | None = None
    byline: str | None = None
    editors: str | None = None
    language: str | None = None
    url: str | None = None
    topics: tuple[str, ...] = field(default_factory=tuple)
    places: tuple[str, ...] = field(default_factory=tuple)
    people: tuple[str, ...] = field(default_factory=tuple)
    lead: str | None = None                                   # a standfirst or abstract, not the body
    changes: tuple[str, ...] = ()                             # what reading did to the source's text
    extra: dict[str, Any] = field(default_factory=dict)      # a record's fields that map to no article field

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: datetimes as ISO 8601, tuples as lists. (Field by field: asdict's
        recursive deep copy of every field cost 2-3% of reading an article.)"""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        provenance = {f.name: getattr(self.provenance, f.name) for f in fields(self.provenance)}
        for key in ("ingested", "fetched"):
            provenance[key] = provenance[key].isoformat() if provenance[key] else None
        data["provenance"] = provenance
        data["published"] = self.published.isoformat() if self.published else None
        for key in ("topics", "places", "people", "changes"):
            data[key] = list(data[key])
        data["extra"] = copy.deepcopy(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """The article `to_dict` gave (as stored in the index); keys it does not know are ignored."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        given = data["provenance"]
        values["provenance"] = Provenance(
            source=given["source"], offset=given.get("offset"), checksum=given["checksum"],
            ingested=datetime.fromisoformat(given["ingested"]),
            fetched=datetime.fromisoformat(given["fetched"]) if given.get("fetched") else None,
            record=given.get("record"))
        values["published"] = datetime.fromisoformat(data["published"]) if data.get("published") else None
        for key in ("topics", "places", "people", "changes"):
            values[key] = tuple(data.get(key) or ())
        return cls(**values)


_SPACE = re.compile(r"[ \t\u00a0]+")
# The longest real news articles are well under a megabyte of text; parsing costs about twenty times
# the source's size in memory, so one article (a file, a JSON line, a WARC record) has this bound.
MAX_ARTICLE_BYTES = 16 * 1024 * 1024


_MONTH = (r"(?:JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AUG(?:UST)?|SEPT?(?:EMBER)?"
          r"|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?)")
_DATE_AFTER_PLACE = re.compile(rf"\s+{_MONTH}\.?\s*\d{{1,2}}$", re.I)   # JOHANNESBURG MARCH 13
_NOT_A_PLACE = re.compile(rf"^(?:(?:AS OF|POSITION OF)\b.*|{_MONTH}\.?\s*\d*)$", re.I)  # APRIL 7, MAR8, JUN


def clean_dateline(value: str | None) -> str | None:
    """A dateline place as sources write it, or None for what is no place: wire tables and date lines
    that landed in the dateline ('MAR8', 'APRIL 7', 'US  7.8010', '(TOTALS'). Marks before the place
    ('****LONDON') and a date after it ('DETROIT JUNE 18') go; the place itself is kept as written."""
    if not value or "(" in value and ")" not in value:
        return None
    place = re.sub(rf"[^\w{MARKS}\s.'/&-]", "", value).strip(" .-/&_\t")  # '****LONDON', 'ME}LBOURNE'
    place = re.sub(r"^\d+\s+(?=\D)", "", place)                    # '0    LONDON'
    place = _DATE_AFTER_PLACE.sub("", " ".join(place.split()))
    if not place or any(ch.isdigit() for ch in place) or _NOT_A_PLACE.match(place):
        return None
    return place


def check_article_size(size: int, source: str, location: str | None = None) -> None:
    """Refuse a source too large to be one article before any work is done on it."""
    if size > MAX_ARTICLE_BYTES:
        raise SourceError(source, f"{size / 2**20:.0f} MB is more than one article can be "
                                  f"(at most {MAX_ARTICLE_BYTES // 2**20} MB); not read", location)


def normalise_body(paragraphs: list[str]) -> str:
    """Join paragraphs with blank lines, folding runs of spaces inside each one."""
    cleaned = (_SPACE.sub(" ", p).strip() for p in paragraphs)
    return "\n\n".join(p for p in cleaned if p)


def checksum(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def article_id(identity: str) -> str:
    """A short stable id: a URL or a source's own record id if there is one, else content_identity's."""
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]


def content_identity(digest: str, title: str, fields: dict[str, Any]) -> str:
    """What names an article that has no URL or record id: its body's checksum with what else the
    reader saw of it. The body alone would give an agency's original and another agency's copy
    of it (their bylines and license lines stripped) one id, and one permalink page."""
    published = fields.get("published")
    return "\n".join([digest, title, fields.get("agency") or "", fields.get("dateline") or "",
                      published.isoformat() if published else ""])


def derive_title(body: str, words: int = 12) -> str:
    """A title from the first sentence, for sources that carry none."""
    first = re.split(r"(?<=[.!?؟])\s", body.split("\n\n", 1)[0], maxsplit=1)[0]
    parts = first.split()
    title = " ".join(parts[:words])
    return title + ("…" if len(parts) > words else "")


def make_article(
    *,
    paragraphs: list[str],
    source: str,
    ingested: datetime,
    title: str | None = None,
    offset: int | None = None,
    fetched: datetime | None = None,
    identity: str | None = None,
    language: str | None = None,
    lead: str | None = None,
    **fields: Any,
) -> Article:
    """Assemble an Article, filling what can be derived (id, checksum, title, language) and nothing more."""
    body = normalise_body(paragraphs)
    digest = checksum(body)
    title = _SPACE.sub(" ", title or "").strip()
    lead = _SPACE.sub(" ", lead or "").strip() or None
    url = fields.get("url")
    fields["dateline"] = clean_dateline(fields.get("dateline"))
    stable_id = article_id(identity or url or content_identity(digest, title, fields))
    if paragraphs and not (fields.get("agency") and fields["dateline"]):
        # named in the text, which the id already covers: an id does not change as readers learn more
        reporter, place = reported_by(paragraphs[0])
        fields["agency"], fields["dateline"] = fields.get("agency") or reporter, fields["dateline"] or place
    return Article(
        id=stable_id,
        title=title or derive_title(lead or body),
        title_derived=not title,
        body=body,
        provenance=Provenance(source, offset, digest, ingested, fetched, identity),
        language=normalise_language(language) or detect_language(f"{title}\n{lead or ''}\n{body}"),
        lead=lead,
        **fields,
    )
