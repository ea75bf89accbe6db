"""Publication dates: parsed into timezone-aware datetimes, or None. Never guessed."""

from __future__ import annotations

from datetime import date, datetime, timezone

from dateutil import parser as dateutil_parser


def aware(moment: datetime) -> datetime:
    """Sources that give no zone are read as UTC, the convention of wire services."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_date(value: object) -> datetime | None:
    """A datetime from ISO 8601, RFC 2822 and common written forms; None when unparseable or absent."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return aware(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or len(value) > 100:
        return None
    text = value.strip()
    try:
        return aware(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        # With default year 1, a text that names no year ("May 12") stays unknown rather than this year.
        parsed = dateutil_parser.parse(text, default=datetime(1, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed.year == 1:
        return None
    return aware(parsed)
