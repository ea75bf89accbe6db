"""Conventions of plain wire copy: datelines, crossheads, editor initials and license sentences.

Wire copy often arrives as one run of text; these functions recover its structure so that
metadata (the dateline, the initials, the license sentence) leaves the body and becomes fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dateline.corpus.agencies import is_known_agency, normalise_agency
from dateline.corpus.licenses import spdx_from_text

_DASH = r"(?:—|–|―|--)|\s-\s?|-\s"  # a dash; a bare hyphen (HIV-1, CRISPR-Cas) is none
# TEHRAN—   TEHRAN, May 12 (MNA) --   RIO DE JANEIRO (Reuters) -   BEIRUT, Lebanon (AP) —
# and, with an agency named, a place not in capitals: Moscow, 3 December (TASS) -   Tehran, IRNA --
_DATELINE = re.compile(
    rf"""^\s*
    (?:(?P<place>[A-Z][A-Z.'’\- ]{{1,40}}?[A-Z.])                # a place in capitals
       (?:\s*,\s*(?:[A-Z][a-z]+\.?|[A-Z]\.[A-Z]\.)(?:\s[A-Z][a-z]+\.?){{0,2}}(?=\s*(?:\(|{_DASH})))?  # region
     | (?P<titled>[A-Z][a-z]+(?:[\s-][A-Z][a-z]+){{0,2}}))        # or not (then an agency must be named)
    (?:\s*,\s*(?:[A-Z][a-z]{{2,8}}\.?\s+\d{{1,2}}|\d{{1,2}}\s+[A-Z][a-z]{{2,8}}\.?))?  # May 12, or 12 May
    (?:\s*,\s*(?P<code>[A-Z]{{2,6}})(?=\s*(?:{_DASH})))?           # an agency's code after a comma
    (?:\s*\((?P<agency>[^()\n]{{1,40}})\))?                       # an agency in brackets
    \s*(?:{_DASH})\s*                                              # a dash""",
    re.X,
)
_ARABIC_LETTERS = "\u0600-\u06ff\u200c"
# القاهرة (رويترز) -   دبي، 3 ديسمبر (رويترز) -   تهران- ایرنا-   (the agency must be a known one)
_ARABIC_DATELINE = re.compile(
    rf"""^\s*(?P<place>[{_ARABIC_LETTERS}]+(?:\s[{_ARABIC_LETTERS}]+){{0,2}}?)\s*
    (?:[،,]\s*[\d\u0660-\u0669\u06f0-\u06f9]{{1,2}}\s+[{_ARABIC_LETTERS}]+\s*)?
    (?:\((?P<agency>[^()\n]{{1,30}})\)\s*[-–—]|[-–—]\s*(?P<code>[^\s()\-–—]+(?:\s[^\s()\-–—]+)?)\s*[-–—])\s*""",
    re.X,
)
_INITIALS_RE = r"(?P<initials>[A-Z]{2,4}(?:/[A-Z]{2,4})+)"
_INITIALS = re.compile(rf"(?:^|\s){_INITIALS_RE}\s*$")
_LEADING_INITIALS = re.compile(rf"\s*{_INITIALS_RE}\s+")
_LICENSE_CUES = re.compile(
    r"licensed under|creative\s+commons|all rights reserved|©|\(c\)\s*\d{4}|copyright", re.I
)
_CONTENT_BY = re.compile(r"(?:all\s+)?content\s+(?:by|of|from)\s+(?P<agency>.+?)\s+is\s+licensed", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?؟])[\"”’)]?\s+")
_TERMINAL = re.compile(r"[.!?؟:;\"”’)\]…]$")


@dataclass(frozen=True)
class Dateline:
    place: str
    agency: str | None


def split_dateline(text: str) -> tuple[Dateline | None, str]:
    """The leading dateline and the text after it; (None, text) when there is none."""
    match = _DATELINE.match(text) or _ARABIC_DATELINE.match(text)
    if not match:
        return None, text
    named = match.group("agency") or match.group("code")
    known = bool(named) and is_known_agency(named)
    capitals = match.re is _DATELINE and match.group("place")
    if not (capitals or known):  # a place not in capitals, or in Arabic script, is one only beside an agency
        return None, text
    place = " ".join((match.group("place") or match.group("titled").upper()).split())
    agency = match.group("agency") or (named if known else None)  # NEW YORK, NY -: a state, not an agency
    return Dateline(place, normalise_agency(agency)), text[match.end():]


# AP and Reuters copy may open with a byline line before the dateline: By MATTHEW LEE, AP Diplomatic Writer
_BYLINE = re.compile(r"^\s*(?i:by)\s+(?P<byline>[A-Z][^\n,]{1,60}(?:,[^\n]{1,60})?)[ \t]*\n\s*")


def split_byline(text: str) -> tuple[str | None, str]:
    """A byline line opening the text, and the text after it: only when a dateline follows it
    (a first line "By the end of the day ..." is text)."""
    match = _BYLINE.match(text)
    if not match or split_dateline(text[match.end():])[0] is None:
        return None, text
    return match.group("byline").strip(), text[match.end():]


# Persian agency copy opens with who reports it, and from where:
# به گزارش خبرنگار ورزشی خبرگزاری فارس از اصفهان،
_REPORTED = re.compile(r"^\s*به\s+گزارش\s+(?P<clause>[^،,\n]{1,80}?)\s*[،,]")
_PERSIAN_LETTERS = str.maketrans({"\u064a": "\u06cc", "\u0643": "\u06a9"})  # older sites' Arabic yeh and kaf


def reported_by(text: str) -> tuple[str | None, str | None]:
    """The agency (and the place) a Persian story's opening clause names as reporting it, its text
    left as it is; (None, None) when it names no known agency or quotes another (به نقل از)."""
    match = _REPORTED.match(text)
    if not match or "نقل" in match.group("clause"):
        return None, None
    clause, _, place = match.group("clause").rpartition(" از ")
    words = (clause or place).split()
    place = place.strip().translate(_PERSIAN_LETTERS) if clause and len(place.split()) <= 2 else ""
    for size in range(min(4, len(words)), 0, -1):
        if is_known_agency(name := " ".join(words[-size:])):
            return normalise_agency(name), place or None
    return None, None


@dataclass(frozen=True)
class Trailer:
    """What wire copy appends after the story: editor initials and a license sentence."""

    editors: str | None
    license_text: str | None
    agency: str | None


TAIL = 1000  # characters at the end of a text in which its last sentence and initials are looked for


def last_sentence(text: str) -> str:
    """What follows the text's last sentence end (the whole text if none), looked for near the end
    first: splitting a long article into every sentence was a tenth of reading it."""
    ends = list(_SENTENCE_END.finditer(text, max(len(text) - TAIL, 0)))  # lookbehinds see before pos
    if ends:
        return text[ends[-1].end():]
    return _SENTENCE_END.split(text)[-1] if len(text) > TAIL else text


def split_trailer(text: str) -> tuple[str, Trailer]:
    """Remove a closing license sentence and editor initials ('... States. SA/PA  All Content by ...')."""
    rest = text.rstrip()
    license_text = editors = None
    last = last_sentence(rest)
    # the cues are looked for last: a long text with no sentence end (a transcript) has no license
    if (len(last) < len(rest) or len(last) < 300) and _LICENSE_CUES.search(last):
        rest = rest[: len(rest) - len(last)].rstrip()
        leading = _LEADING_INITIALS.match(last)
        if leading:
            editors, last = leading.group("initials"), last[leading.end():]
        license_text = last.strip()
    match = _INITIALS.search(rest, max(len(rest) - TAIL, 0))
    if match and not editors:
        editors = match.group("initials")
        rest = rest[: match.start()].rstrip()
    by = _CONTENT_BY.search(license_text or "")
    return rest, Trailer(editors, license_text, normalise_agency(by.group("agency")) if by else None)


def split_crosshead(segment: str) -> list[str]:
    """Split a crosshead run onto the end of a paragraph
    ('...destroyed." Salami: We all are Palestinians')."""
    if _TERMINAL.search(segment):
        return [segment]
    sentences = _SENTENCE_END.split(segment)
    tail = sentences[-1]
    head = segment[: len(segment) - len(tail)].rstrip()
    if len(sentences) > 1 and 2 <= len(tail.split()) <= 10 and tail[:1].isupper() and len(head) >= 40:
        return [head, tail]
    return [segment]


def looks_like_wire_copy(text: str) -> bool:
    """Text that opens with a dateline (after a byline line, if any): only then do wire conventions
    (dateline, initials, license sentence) apply to a record's body; an abstract's closing copyright
    line is text, not a trailer."""
    return split_dateline(split_byline(text.strip())[1])[0] is not None


def line_paragraphs(text: str) -> list[str]:
    """Rejoin hard-wrapped lines; a blank line, an indented line or a line ending a sentence breaks."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if not line.strip() or (current and line[:1].isspace()):
            paragraphs.append(" ".join(current))
            current = []
        if line.strip():
            current.append(line.strip())
            if _TERMINAL.search(line.rstrip()):
                paragraphs.append(" ".join(current))
                current = []
    paragraphs.append(" ".join(current))
    return [p for p in paragraphs if p]


def wire_paragraphs(text: str) -> list[str]:
    """Paragraphs of wire copy: line structure, runs of two or more spaces, and crossheads all break."""
    paragraphs: list[str] = []
    for line in line_paragraphs(text):
        for segment in re.split(r"[ \t\u00a0]{2,}", line):
            if segment.strip():
                paragraphs.extend(split_crosshead(segment.strip()))
    return paragraphs


def wire_changes(dateline: Dateline | None, trailer: Trailer, byline: str | None = None) -> tuple[str, ...]:
    """What taking the byline, dateline and trailer out did to the text, as an attribution states it."""
    moved = [name for name, done in (("the byline", byline), ("the dateline", dateline),
                                      ("the editor initials", trailer.editors),
                                      ("the license sentence", trailer.license_text)) if done]
    if not moved:
        return ()
    listed = f"{', '.join(moved[:-1])} and {moved[-1]}" if len(moved) > 1 else moved[0]
    return (f"moved {listed} from the text into the metadata",)


def parse_wire_copy(text: str) -> tuple[list[str], dict[str, Any]]:
    """Paragraphs of the story and the metadata its byline, dateline and trailer gave."""
    byline, rest = split_byline(text.strip())
    dateline, rest = split_dateline(rest)
    rest, trailer = split_trailer(rest)
    fields = {
        "changes": wire_changes(dateline, trailer, byline),
        "byline": byline,
        "dateline": dateline.place if dateline else None,
        "agency": trailer.agency or (dateline.agency if dateline else None),
        "license": spdx_from_text(trailer.license_text),
        "license_text": trailer.license_text,
        "editors": trailer.editors,
    }
    return wire_paragraphs(rest), fields
