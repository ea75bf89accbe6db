"""The Whoosh query language with guessable field names, and one-line errors for malformed queries.

Whoosh's parser forgives everything (an unclosed parenthesis or an unknown field silently becomes
words), which would hide a researcher's typo behind plausible results; so the query is checked
first and a mistake is reported with what is wrong and where.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from whoosh import query as wq
from whoosh.qparser import FieldAliasPlugin, FuzzyTermPlugin, MultifieldParser

from dateline.errors import QueryError

TEXT_FIELDS = ("title", "body")
# A title word also counts in its own field, so titles already weigh double; a further boost
# lowered nDCG@10 on Cranfield (0.383 at 1.0, 0.367 at 2.0, 0.353 at 3.0).
FIELD_BOOSTS = {"title": 1.0, "body": 1.0}
# What users may type before a colon, and the index field each name means.
ALIASES = {
    "lang": ["language"],
    "place": ["places", "country"],
    "topic": ["topics"],
    "person": ["people"],
    "dateline": ["city"],
    "body": ["text"],
}
QUERY_FIELDS = {"title", "body", "agency", "license", "lang", "dateline", "place", "topic", "person",
                "year", "month", "date", "id", "reprint"}
KNOWN_NAMES = QUERY_FIELDS | {alias for names in ALIASES.values() for alias in names}

_FIELD = re.compile(r"(?<![\w\\])(\w+):")
_DATE_VALUE = re.compile(r"date:(\[[^\]]*\]?|\{[^}]*\}?|\S+)", re.I)
_PARTIAL_DATE = re.compile(r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?")


def _outside_quotes(text: str) -> str:
    """The query with quoted phrases blanked out, keeping every other character's position."""
    return re.sub(r'"[^"]*"', lambda m: " " * len(m.group()), text)


def check_syntax(text: str) -> None:
    """Raise QueryError for unbalanced brackets or quotes, unknown fields and bad dates."""
    if text.count('"') % 2:
        raise QueryError(f"query {text!r}: unclosed quote at column {text.rfind(chr(34)) + 1}")
    bare = _outside_quotes(text)
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[tuple[str, int]] = []
    for column, char in enumerate(bare, start=1):
        if char in "([{":
            stack.append((char, column))
        elif char in pairs:
            if char == "]" and stack and stack[-1][0] == "{" or char == "}" and stack and stack[-1][0] == "[":
                stack.pop()  # Whoosh allows mixed range brackets: [a TO b}
            elif not stack or stack[-1][0] != pairs[char]:
                raise QueryError(f"query {text!r}: unmatched {char!r} at column {column}")
            else:
                stack.pop()
    if stack:
        char, column = stack[-1]
        raise QueryError(f"query {text!r}: unclosed {char!r} at column {column}")
    for match in _FIELD.finditer(bare):
        name = match.group(1).lower()
        if name not in KNOWN_NAMES:
            known = ", ".join(sorted(QUERY_FIELDS))
            raise QueryError(f"query {text!r}: unknown field {match.group(1)!r} at column {match.start() + 1} "
                             f"(fields: {known})")
        if text[match.end():match.end() + 1] in ("", " "):
            raise QueryError(f"query {text!r}: field {match.group(1)!r} at column {match.start() + 1} has no value")
    for match in _DATE_VALUE.finditer(bare):
        value = match.group(1).strip("[]{}")
        for part in re.split(r"\s+to\s+", value, flags=re.I):
            part = part.strip()
            if part and not _PARTIAL_DATE.fullmatch(part):
                raise QueryError(f"query {text!r}: bad date {part!r} at column {match.start() + 1} "
                                 f"(use YYYY, YYYY-MM or YYYY-MM-DD, ranges as date:[2021-05-01 TO 2021-05-31])")


def make_parser(schema) -> MultifieldParser:
    parser = MultifieldParser(list(TEXT_FIELDS), schema, fieldboosts=FIELD_BOOSTS)
    parser.add_plugin(FieldAliasPlugin(ALIASES))
    parser.add_plugin(FuzzyTermPlugin())
    return parser


def parse_query(text: str, parser: MultifieldParser) -> wq.Query:
    """A Whoosh query for the user's text; the empty query matches every article."""
    text = text.strip()
    if not text or text == "*":
        return wq.Every()
    check_syntax(text)
    return parser.parse(text)


def parse_day(value: str, end: bool = False) -> datetime:
    """--from/--to values: YYYY, YYYY-MM or YYYY-MM-DD; an end date covers the whole period it names."""
    if not _PARTIAL_DATE.fullmatch(value.strip()):
        raise QueryError(f"bad date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD")
    parts = [int(p) for p in value.strip().split("-")]
    year, month, day = parts[0], parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None
    try:
        if not end:
            return datetime(year, month or 1, day or 1, tzinfo=timezone.utc)
        if day:
            return datetime(year, month, day, 23, 59, 59, tzinfo=timezone.utc)
        if month:
            following = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=timezone.utc)
        else:
            following = datetime(year + 1, 1, 1, tzinfo=timezone.utc)
        return datetime.fromtimestamp(following.timestamp() - 1, tz=timezone.utc)
    except ValueError as exc:
        raise QueryError(f"bad date {value!r}: {exc}") from None
