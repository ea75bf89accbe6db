"""Saved news feeds (RSS 2.0, RSS 1.0/RDF, Atom) read with feedparser: every item an article.

An item gives its title, link (resolved against the feed's address), published date, author,
categories, summary (kept as the lead) and full content (`content:encoded`, Atom content, Yandex
full text) where present; the feed's own title is the outlet. An item seen again in a later saved
copy of the same feed is the same article: its identity is its guid, else its link.
"""

from __future__ import annotations

import calendar
import re
import xml.sax
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import feedparser

from dateline.corpus.agencies import normalise_agency
from dateline.corpus.article import Article, check_article_size, make_article
from dateline.corpus.dates import parse_date
from dateline.corpus.language import normalise_language
from dateline.corpus.readers.html import html_paragraphs
from dateline.corpus.records import DEFAULT_MAPPING, FieldMapping
from dateline.errors import SourceError

_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]")
_FULL_TEXT = ("yandex_full-text", "full-text", "fulltext")


def _moment(entry: Any, language: str | None) -> datetime | None:
    """feedparser's own reading of the date (in UTC) where it has one, else Dateline's."""
    # dict.get: FeedParserDict.get maps a missing "published" to "updated", with a deprecation warning.
    for key in ("published", "updated", "created"):
        parsed = dict.get(entry, f"{key}_parsed")
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    for key in ("published", "updated", "created"):
        moment = parse_date(dict.get(entry, key), language)
        if moment:
            return moment
    return None


def _content(entry: Any) -> str | None:
    for item in entry.get("content") or []:
        if item.get("value", "").strip():
            return item["value"]
    return next((entry[key] for key in _FULL_TEXT if str(entry.get(key) or "").strip()), None)


def article_from_entry(entry: Any, feed: Any, source: str, number: int, ingested: datetime) -> Article:
    """Pure: one feed item to an article."""
    location = f"item {number}"
    base = feed.get("link") or ""
    link = urljoin(base, entry["link"]) if entry.get("link") else None
    content = _content(entry)
    check_article_size(len(content or ""), source, location)
    summary = " ".join(html_paragraphs(entry.get("summary") or ""))
    paragraphs = html_paragraphs(content) if content else ([summary] if summary else [])
    title = entry.get("title")
    if not paragraphs and not title:
        raise SourceError(source, "item has no title and no text", location)
    guid = entry.get("id") or link
    language = normalise_language(entry.get("language") or feed.get("language"))
    return make_article(
        paragraphs=paragraphs, source=source, offset=number, ingested=ingested, title=title, url=link,
        identity=guid if guid and ":" in guid else f"{base}|{guid}" if guid else None,
        lead=summary if content and summary else None, language=language,
        agency=normalise_agency(feed.get("title")), byline=entry.get("author"),
        published=_moment(entry, language),
        topics=tuple(dict.fromkeys(term.strip() for tag in entry.get("tags") or []
                                   if (term := tag.get("term") or "") and term.strip())),
    )


class FeedReader:
    name = "feed"

    def accepts(self, path: Path, head: bytes) -> bool:
        suffix = path.suffix.lower()
        return suffix in {".rss", ".atom"} or (
            suffix in {".xml", ".rdf", ""} and bool(_FEED_ROOT.search(head)))

    def read(self, path: Path, data: bytes, ingested: datetime,
             mapping: FieldMapping = DEFAULT_MAPPING) -> Iterator[Article | SourceError]:
        source = str(path)
        try:
            parsed = feedparser.parse(data)
        except Exception as exc:  # feedparser raises what its decoders hit on damaged bytes (NUL, bad UTF-8)
            yield SourceError(source, f"cannot read the feed: {type(exc).__name__}: {exc}")
            return
        damaged = parsed.get("bozo") and isinstance(parsed.get("bozo_exception"), xml.sax.SAXException)
        if not parsed.entries:
            reason = f": {parsed.bozo_exception}" if damaged else ""
            yield SourceError(source, f"no feed items found{reason}")
            return
        for number, entry in enumerate(parsed.entries, start=1):
            try:
                yield article_from_entry(entry, parsed.feed, source, number, ingested)
            except SourceError as error:
                yield error
        if damaged:
            yield SourceError(source, f"malformed feed ({parsed.bozo_exception}); "
                                      f"{len(parsed.entries)} items read before or around it")


READER = FeedReader()
