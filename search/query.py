"""The query language's rules: which field names a user may type, the limits, and what a date is.

Whoosh's parser forgives everything (an unclosed parenthesis or an unknown field silently becomes
words), which would hide a researcher's typo behind plausible results; the engine's parser plugin
(indexer/engine/parser.py) applies these rules to what Whoosh tagged, and each mistake is reported
with what is wrong and where. Nothing here imports Whoosh.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from dateline.errors import QueryError
from dateline.indexer.fields import ALIASES, QUERY_FIELDS, TEXT_FIELDS

# What users may type before a colon: the registry's query fields and their aliases.
KNOWN_NAMES = set(QUERY_FIELDS) | {alias for names in ALIASES.values() for alias in names}
TEXT_NAMES = {*TEXT_FIELDS, *(alias for name in TEXT_FIELDS for alias in ALIASES.get(name, []))}

MAX_QUERY_CHARS = 10_000
MAX_DEPTH = 32           # nested parentheses; Whoosh's parser recurses once per level
MAX_EDIT_DISTANCE = 2    # as Lucene: wider fuzzy matches are noise, and their automaton is slow

_PARTIAL_DATE = re.compile(r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?")
DATE_FORMS = "use YYYY, YYYY-MM or YYYY-MM-DD, ranges as date:[2021-05-01 TO 2021-05-31]"


def check_text(text: str) -> None:
    """What must hold before the query is parsed at all: valid Unicode, a bounded length."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise QueryError(f"query {text[:60]!r}: character {exc.start + 1} is not valid Unicode "
                         f"(a lone surrogate)") from None
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query of {len(text):,} characters: at most {MAX_QUERY_CHARS:,}")


def check_field_name(name: str, column: int) -> None:
    if name.lower() not in KNOWN_NAMES:
        known = ", ".join(sorted(QUERY_FIELDS))
        raise QueryError(f"unknown field {name!r} at column {column} (fields: {known})")


def check_date(value: str, column: int) -> None:
    """A date as a query value: YYYY, YYYY-MM or YYYY-MM-DD, and a real day."""
    if not _PARTIAL_DATE.fullmatch(value):
        raise QueryError(f"bad date {value!r} at column {column} ({DATE_FORMS})")
    try:
        parse_day(value)
    except QueryError as error:
        raise QueryError(f"{error} at column {column}") from None


def check_date_range(start: str | None, end: str | None, column: int) -> None:
    if not start and not end:
        raise QueryError(f"a date range at column {column} needs a start, an end or both: "
                         "date:[2021-05-01 TO 2021-05-31], date:[2021-05 TO]")
    for value in (start, end):
        if value:
            check_date(value, column)


def check_fuzzy(distance: int, column: int) -> None:
    if distance > MAX_EDIT_DISTANCE:
        raise QueryError(f"fuzzy distance {distance} at column {column} is more than {MAX_EDIT_DISTANCE} "
                         "(word~1 or word~2)")


def parse_day(value: str, end: bool = False) -> datetime:
    """--from/--to values: YYYY, YYYY-MM or YYYY-MM-DD; an end date covers the whole period it names."""
    if not _PARTIAL_DATE.fullmatch(value.strip()):
        raise QueryError(f"bad date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD")
    parts = [int(p) for p in value.strip().split("-")]
    year = parts[0]
    try:
        if not end:
            month, day = (parts[1:] + [1, 1])[:2]
            return datetime(year, month, day, tzinfo=timezone.utc)
        if len(parts) == 3:
            return datetime(year, parts[1], parts[2], 23, 59, 59, tzinfo=timezone.utc)
        if len(parts) == 2:
            datetime(year, parts[1], 1)  # a bad month is an error, not a following month
            following = datetime(year + (parts[1] == 12), parts[1] % 12 + 1, 1, tzinfo=timezone.utc)
        else:
            following = datetime(year + 1, 1, 1, tzinfo=timezone.utc)
        return datetime.fromtimestamp(following.timestamp() - 1, tz=timezone.utc)
    except ValueError as exc:
        raise QueryError(f"bad date {value!r}: {exc}") from None
