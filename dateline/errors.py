"""The one error family the library raises on bad input, so callers catch one type."""

from __future__ import annotations


class DatelineError(Exception):
    """Base of every error Dateline reports to a user as a one-line message."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


class SourceError(DatelineError):
    """A source (file, line, record) that could not be read into an article; or, `not_article`, a
    readable file that is no article (a word list beside a corpus), passed over rather than failed."""

    def __init__(self, source: str, message: str, location: str | None = None, not_article: bool = False):
        # One line whatever a damaged source puts into a message: text from the source can hold newlines.
        self.source = source
        self.location = _one_line(location) if location else location
        self.message = _one_line(message)
        self.not_article = not_article
        where = f"{source}:{location}" if location else source
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # errors travel back from reader worker processes
        return (SourceError, (self.source, self.message, self.location, self.not_article))


class ArchiveError(DatelineError):
    """A missing, corrupt, foreign or locked index folder."""


class QueryError(DatelineError):
    """A malformed query or filter; the message says what is wrong and where."""
