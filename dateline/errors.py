"""The one error family the library raises on bad input, so callers catch one type."""

from __future__ import annotations


class DatelineError(Exception):
    """Base of every error Dateline reports to a user as a one-line message."""


class SourceError(DatelineError):
    """A source (file, line, record) that could not be read into an article."""

    def __init__(self, source: str, message: str, location: str | None = None):
        self.source = source
        self.location = location
        self.message = message
        where = f"{source}:{location}" if location else source
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # errors travel back from reader worker processes
        return (SourceError, (self.source, self.message, self.location))


class ArchiveError(DatelineError):
    """A missing, corrupt, foreign or locked index folder."""


class QueryError(DatelineError):
    """A malformed query or filter; the message says what is wrong and where."""
