"""The Whoosh query language, checked: guessable field names, and one-line errors for malformed queries.

Whoosh's parser forgives everything (an unclosed parenthesis or an unknown field silently becomes
words), which would hide a researcher's typo behind plausible results; so the query is checked
first and a mistake is reported with what is wrong and where.
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

_FIELD = re.compile(r"(?<![\w\\])(\w+):")
_NUMBER_WITH_COLON = re.compile(r"(?<![\w\\:])\d+(?::\d+)+(?![\w:])")  # 15:01, 3:1: text, not a field
_DATE_VALUE = re.compile(r"date:(\[[^\]]*\]?|\{[^}]*\}?|\S+)", re.I)
_DATE_RANGE = re.compile(r"^([\[{])\s*(.*?)\s*([\]}])$", re.S)
_TO = re.compile(r"(?:^|\s+)to(?:\s+|$)", re.I)
_PARTIAL_DATE = re.compile(r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?")
_REPEATED_NOT = re.compile(r"\bNOT\s+NOT\s+")
_PLUS_MINUS = re.compile(r"(?:^|(?<=[\s(]))[+-]")  # +word, -word, -"a phrase", -field:value
_FUZZY = re.compile(r"(?<=[\w*?])~(\d+)")
_ONLY_WILDCARDS = re.compile(r"(?<![\w:\\])[*?]+(?![\w])")


def _outside_quotes(text: str) -> str:
    """The query with quoted phrases blanked out, keeping every other character's position."""
    return re.sub(r'"[^"]*"', lambda m: " " * len(m.group()), text)


def _replace_outside_quotes(text: str, pattern: re.Pattern, replace) -> str:
    """Apply a substitution only where the query is not inside a quoted phrase."""
    bare = _outside_quotes(text)
    out, last = [], 0
    for match in pattern.finditer(bare):
        out.append(text[last:match.start()])
        out.append(replace(match))
        last = match.end()
    return "".join(out) + text[last:]


def _check_date_part(text: str, part: str, column: int) -> None:
    if not _PARTIAL_DATE.fullmatch(part):
        raise QueryError(f"query {text!r}: bad date {part!r} at column {column} "
                         f"(use YYYY, YYYY-MM or YYYY-MM-DD, ranges as date:[2021-05-01 TO 2021-05-31])")
    try:
        parse_day(part)
    except QueryError as error:
        raise QueryError(f"query {text!r}: {error} at column {column}") from None


def check_syntax(text: str) -> None:
    """Raise QueryError for unbalanced or too deep brackets, unbalanced quotes, unknown fields and
    bad dates."""
    if text.count('"') % 2:
        raise QueryError(f"query {text!r}: unclosed quote at column {text.rfind(chr(34)) + 1}")
    bare = _outside_quotes(text)
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[tuple[str, int]] = []
    for column, char in enumerate(bare, start=1):
        if char in "([{":
            stack.append((char, column))
            if len(stack) > MAX_DEPTH:
                raise QueryError(f"query {text[:60]!r}…: brackets nested more than {MAX_DEPTH} deep "
                                 f"at column {column}")
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
            raise QueryError(f"query {text!r}: unknown field {match.group(1)!r} "
                             f"at column {match.start() + 1} (fields: {known})")
        if text[match.end():match.end() + 1] in ("", " "):
            raise QueryError(f"query {text!r}: field {match.group(1)!r} at column {match.start() + 1} "
                             "has no value")
    for match in _DATE_VALUE.finditer(bare):
        value = match.group(1)
        ranged = _DATE_RANGE.match(value)
        parts = _TO.split(ranged.group(2)) if ranged else [value]
        if ranged and len(parts) != 2 or not any(p.strip() for p in parts):
            raise QueryError(f"query {text!r}: a date range at column {match.start() + 1} needs a start, "
                             "an end or both: date:[2021-05-01 TO 2021-05-31], date:[2021-05 TO]")
        for part in parts:
            if part.strip():
                _check_date_part(text, part.strip(), match.start() + 1)
    for match in _FUZZY.finditer(bare):
        if int(match.group(1)) > MAX_EDIT_DISTANCE:
            raise QueryError(f"query {text!r}: fuzzy distance {match.group(1)} at column "
                             f"{match.start() + 1} is more than {MAX_EDIT_DISTANCE} (word~1 or word~2)")
    for match in _ONLY_WILDCARDS.finditer(bare):
        raise QueryError(f"query {text!r}: {match.group()!r} at column {match.start() + 1} stands for "
                         "every word; give it some letters (oil*), or search for nothing to list every "
                         "article")


def _plus_minus(text: str) -> str:
    """Lucene's prefixes: -term excludes, +term requires (every word already is, so it goes)."""
    def replace(match: re.Match) -> str:
        following = text[match.end():match.end() + 1]
        if not following or not (following.isalnum() or following in '"(_'):
            return match.group()
        return "NOT " if match.group() == "-" else ""

    return _replace_outside_quotes(text, _PLUS_MINUS, replace)


def prepare_query(text: str) -> str:
    """The user's query, checked, in the form Whoosh's parser reads right.

    Field names in any case (Title:cocoa), numbers with colons as text (15:01), `-word` as NOT word
    and `+word` as word (required, as every word is), date ranges without the spaces Whoosh rejects
    ([ TO 2021]), and NOT NOT folded away (Whoosh's parser fails on it)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise QueryError(f"query {text[:60]!r}: character {exc.start + 1} is not valid Unicode "
                         f"(a lone surrogate)") from None
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query of {len(text):,} characters: at most {MAX_QUERY_CHARS:,}")
    text = _replace_outside_quotes(text, _NUMBER_WITH_COLON, lambda m: f'"{m.group()}"')
    text = _plus_minus(text)
    check_syntax(text)
    text = _replace_outside_quotes(text, _FIELD, lambda m: m.group(1).lower() + ":")

    def canonical_date(match: re.Match) -> str:
        ranged = _DATE_RANGE.match(match.group(1))
        if not ranged:
            return match.group()
        start, end = (part.strip() for part in _TO.split(ranged.group(2)))
        to = " TO " if start and end else " TO" if start else "TO "
        return f"date:{ranged.group(1)}{start}{to}{end}{ranged.group(3)}"

    text = _replace_outside_quotes(text, _DATE_VALUE, canonical_date)
    while _REPEATED_NOT.search(_outside_quotes(text)):
        text = _replace_outside_quotes(text, _REPEATED_NOT, lambda m: "")
    return text


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
