"""Reuters-21578 SGML (reut2-NNN.sgm): 1,000 <REUTERS> records a file, from the 1987 Reuters wire."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from dateline.corpus.article import Article, make_article
from dateline.corpus.records import DEFAULT_MAPPING, FieldMapping
from dateline.errors import SourceError

LICENSE = "LicenseRef-Reuters-21578"
LICENSE_TEXT = (
    "Copyright Reuters Ltd. Reuters-21578, Distribution 1.0: free distribution for research purposes only."
)

_RECORD_START = re.compile(r"<REUTERS\b([^>]*)>")
_RECORD_END = "</REUTERS>"
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SIGNATURE = re.compile(r"\s*\b(?:Reuters?|REUTERS?)\b\s*$")  # the closing signature, either case
_PARAGRAPH_BREAK = re.compile(r"\n(?=[ \t]{2,}\S)")


def _tag(record: str, name: str) -> str | None:
    match = re.search(rf"<{name}\b[^>]*>(.*?)</{name}>", record, re.S)
    return match.group(1) if match else None


def _clean(sgml: str) -> str:
    return _CONTROL.sub("", html.unescape(sgml))


def _values(record: str, name: str) -> tuple[str, ...]:
    return tuple(_clean(value).strip() for value in re.findall(r"<D>(.*?)</D>", _tag(record, name) or ""))


def parse_reuters_date(text: str | None) -> datetime | None:
    """'26-FEB-1987 15:01:01.79', without a zone (the collection names none); a few records carry noise
    after the seconds, or two spaces."""
    if not text:
        return None
    match = re.search(r"(\d{1,2}-[A-Z]{3}-\d{4})\s+(\d{1,2}:\d{2}:\d{2})", text.upper())
    if not match:
        return None
    try:
        stamp = datetime.strptime(f"{match.group(1)} {match.group(2)}", "%d-%b-%Y %H:%M:%S")
    except ValueError:
        return None
    return stamp


def reuters_paragraphs(body: str) -> tuple[list[str], tuple[str, ...]]:
    """Reuters wraps lines at 70 columns and indents each new paragraph; the closing signature goes,
    and the changes say so."""
    text = _clean(body).rstrip()
    unsigned = _SIGNATURE.sub("", text)
    paragraphs = [" ".join(part.split()) for part in _PARAGRAPH_BREAK.split(unsigned)]
    removed = ("removed the closing \"Reuter\" signature (the agency is in the metadata)",)
    return paragraphs, removed if unsigned != text else ()


def article_from_record(record: str, attributes: str, source: str, offset: int,
                        ingested: datetime) -> Article:
    """Pure: one <REUTERS> record's SGML to an article."""
    attrs = dict(_ATTRIBUTE.findall(attributes))
    newid = attrs.get("NEWID")
    text = _tag(record, "TEXT")
    if text is None:
        raise SourceError(source, "record has no <TEXT>", f"NEWID={newid} at byte {offset}")
    body = _tag(text, "BODY")
    if body is None and "<TITLE>" not in text:  # TYPE="UNPROC": untagged text
        body = text
    # Datelines are set in capitals; a few records have 'New york', which would split the facet.
    dateline = _clean(_tag(text, "DATELINE") or "").strip().split(",")[0].strip(" -").upper() or None
    paragraphs, changes = reuters_paragraphs(body or "")
    return make_article(
        paragraphs=paragraphs,
        source=source,
        offset=offset,
        ingested=ingested,
        identity=f"reuters-21578:{newid}" if newid else None,
        title=_clean(_tag(text, "TITLE") or ""),
        language="en",
        agency="Reuters",
        license=LICENSE,
        license_text=LICENSE_TEXT,
        published=parse_reuters_date(_tag(record, "DATE")),
        dateline=dateline,
        topics=_values(record, "TOPICS"),
        places=_values(record, "PLACES"),
        people=_values(record, "PEOPLE"),
        changes=changes,
    )


class ReutersReader:
    name = "reuters"

    def accepts(self, path: Path, head: bytes) -> bool:
        return (path.suffix.lower() == ".sgm" or b"<!DOCTYPE lewis" in head
                or head.lstrip().startswith(b"<REUTERS"))

    def read(self, path: Path, data: bytes, ingested: datetime,
             mapping: FieldMapping = DEFAULT_MAPPING) -> Iterator[Article | SourceError]:
        source = str(path)
        # Latin-1 maps byte for byte, so offsets are byte offsets; the corpus is ASCII but for a few bytes.
        sgml = data.decode("latin-1")
        starts = list(_RECORD_START.finditer(sgml))
        if not starts:
            yield SourceError(source, "no <REUTERS> records found")
            return
        for number, start in enumerate(starts):
            limit = starts[number + 1].start() if number + 1 < len(starts) else len(sgml)
            end = sgml.find(_RECORD_END, start.end(), limit)
            if end < 0:
                yield SourceError(source, "truncated record: no </REUTERS>", f"byte {start.start()}")
                continue
            try:
                yield article_from_record(sgml[start.end():end], start.group(1), source, start.start(),
                                          ingested)
            except SourceError as error:
                yield error


READER = ReutersReader()
