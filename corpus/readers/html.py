"""Saved HTML pages: main text and day by trafilatura, headline, agency, license and URL from JSON-LD,
OpenGraph, meta tags and rel links."""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from collections.abc import Iterator
from datetime import date, datetime
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from htmldate import find_date
from trafilatura.settings import Document

from dateline.corpus.agencies import is_known_agency, normalise_agency
from dateline.corpus.article import Article, check_article_size, make_article
from dateline.corpus.dates import parse_date
from dateline.corpus.decode import decode_text, meta_charset
from dateline.corpus.language import normalise_language
from dateline.corpus.licenses import spdx_from_text
from dateline.corpus.records import DEFAULT_MAPPING, FieldMapping
from dateline.corpus.wire import line_paragraphs, split_dateline, split_trailer, wire_changes
from dateline.errors import SourceError

_ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting"}
_TEXT_TAGS = ["p", "h2", "h3", "h4", "blockquote", "li"]


def _json_ld_article(soup: BeautifulSoup) -> dict[str, Any]:
    """The first schema.org article object in the page's JSON-LD, looking inside @graph and lists."""
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (json.JSONDecodeError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                kinds = item.get("@type")
                kinds = set(kinds) if isinstance(kinds, list) else {kinds}
                if kinds & _ARTICLE_TYPES:
                    return item
                stack.extend(item.get("@graph", []) if isinstance(item.get("@graph"), list) else [])
    return {}


def _name(value: Any) -> str | None:
    """A schema.org Person/Organization, a list of them, or a plain string, as a name."""
    if isinstance(value, list):
        names = [name for name in map(_name, value) if name]
        return ", ".join(names) or None
    if isinstance(value, dict):
        value = value.get("name")
    # unescaped: some pages escape their JSON-LD text as HTML too ("&#8211;")
    return unescape(value).strip() if isinstance(value, str) and value.strip() else None


def _meta(soup: BeautifulSoup, *keys: str) -> str | None:
    for key in keys:
        tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
        content = tag.get("content") if isinstance(tag, Tag) else None
        if isinstance(content, str) and content.strip():
            return content.strip()
    return None


def _link(soup: BeautifulSoup, rel: str) -> str | None:
    tag = soup.find(["link", "a"], rel=rel)
    href = tag.get("href") if isinstance(tag, Tag) else None
    return href if isinstance(href, str) and href else None


def _blocks(soup: BeautifulSoup) -> list[str]:
    """The text blocks of an HTML fragment that is all content (a feed item), lines where it has none."""
    for tag in soup.find_all(["script", "style", "noscript", "iframe", "svg"]):
        tag.decompose()
    blocks = [" ".join(tag.get_text(" ").split()) for tag in soup.find_all(_TEXT_TAGS)
              if not tag.find(_TEXT_TAGS)]
    lines = (" ".join(text.split()) for text in soup.get_text("\n").splitlines())
    return [block for block in blocks if block] or [line for line in lines if line]


def html_paragraphs(fragment: str) -> list[str]:
    """Paragraphs of an HTML fragment (a feed item's content or summary); plain text by its lines."""
    if "<" not in fragment:
        return line_paragraphs(fragment)
    return _blocks(_soup(fragment))


def _soup(markup: str) -> BeautifulSoup:
    """lxml's parse of a page or a fragment. bs4 warns, on the terminal, about what it was given
    (text that is only a URL; an XHTML page's XML declaration): nothing the user can act on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(markup, "lxml")


def _extraction(page: str, url: str | None) -> Document | None:
    """trafilatura's main text and metadata of a page (its day from htmldate), without reader comments."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        document = trafilatura.bare_extraction(page, url=url, with_metadata=True, include_comments=False)
    return document if isinstance(document, Document) else None


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", text.casefold()))


def _published(extracted: str | None, stated: datetime | None, page: str,
               soup: BeautifulSoup) -> datetime | None:
    """The publication day htmldate finds, with the page's stated time when that falls on the same day.

    Pages often state a UTC moment whose day is not the local publication day; htmldate weighs the
    URL, the page's dates and its text, and is right more often where the two disagree
    (bench/html_reader.py). But where its search of the text finds only a month (a link's
    `/2022/10/`), a copyright year or a lone year, it answers with that month's or year's first
    day: a first of the month that the page does not state is not taken."""
    day = parse_date(extracted)
    if day is None or (stated is not None and stated.date() == day.date()):
        return stated or day
    if day.day == 1 and not _states_first_of_month(day.date(), page, soup.get_text(" ")):
        return stated
    return day


def _states_first_of_month(day: date, page: str, text: str) -> bool:
    """Whether the page gives this first of a month as a whole date: in its metadata, as htmldate
    reads it without searching the text, or written out in the text (`01.11.2023`, `1. November
    2021`, `November 1, 2021`, `2021-11-01`)."""
    if find_date(page, extensive_search=False, original_date=True) == day.isoformat():
        return True
    one, month, year = r"0?1(?:st|er|\.)?", rf"(?:0?{day.month}|[^\W\d_]{{3,}}\.?)", str(day.year)
    written = (rf"(?<!\d){one}[\s./-]+{month}[\s.,/-]+{year}(?!\d)",
               rf"(?<!\d){year}[./-]0?{day.month}[./-]0?1(?!\d)",
               rf"(?<![\w]){month}\s+{one},?\s+{year}(?!\d)")
    return any(re.search(form, text) for form in written)


_TITLE_SEPARATOR = re.compile(r"(\s+[|\-\u2013\u2014\u2022\u00b7\u2502:\u00bb]{1,2}\s+|\s*[|\u2502]\s*)")


def _title_without_site(title: str | None, sites: tuple[str | None, ...], heading: str | None) -> str | None:
    """A page's title without the site's name before or after it ('Budget passed | Example News'):
    a part of it is the site's name when it is the page's stated site name or publisher (or a part
    of one: `خبرگزاری مهر | اخبار ایران و جهان | Mehr News Agency`), a known agency, or its host's
    name (`SAT.1 REGIONAL` on sat1regional.de), compared without case, spaces or punctuation; or
    when the rest of the title is the page's <h1>."""
    if not title:
        return title
    known: set[str] = set()
    for site in filter(None, sites):
        if "://" in site:
            host = (urlsplit(site).hostname or "").split(".")[:-1]
            known.update(_letters(label) for label in host if label not in {"www", "m", "amp"})
        else:
            known.update(_letters(part) for part in [site, *_TITLE_SEPARATOR.split(site)[::2]])

    def is_site(part: str) -> bool:
        return not part.strip() or _letters(part) in known or is_known_agency(part.strip())

    pieces = _TITLE_SEPARATOR.split(title.strip())  # parts, with the separators between them
    start, end = 0, len(pieces)
    while end - start > 1 and is_site(pieces[end - 1]):
        end -= 2
    while end - start > 1 and is_site(pieces[start]):
        start += 2
    for cut in range(start + 2, end, 2) if heading else ():
        for kept in (pieces[start:cut - 1], pieces[cut:end]):
            if _letters("".join(kept)) == _letters(heading or ""):
                return "".join(kept)
    return "".join(pieces[start:end])


def _letters(text: str) -> str:
    return "".join(character for character in text.casefold() if character.isalnum())


def article_from_html(
    page: str, source: str, ingested: datetime, offset: int | None = None,
    url: str | None = None, fetched: datetime | None = None, identity: str | None = None,
) -> Article:
    """Pure: an HTML page to an article. trafilatura finds the main text and the day; the page's own
    structured data (JSON-LD, OpenGraph, meta, rel links) gives the headline, agency, license and URL,
    and wins over what WARC headers give."""
    soup = _soup(page)
    ld = _json_ld_article(soup)
    extracted = _extraction(page, url)
    root = soup.find("html")
    language = (root.get("lang") if isinstance(root, Tag) else None) or _name(ld.get("inLanguage"))
    title = (_name(ld.get("headline")) or (extracted.title if extracted else None)
             or _meta(soup, "og:title", "twitter:title"))
    if not title and soup.title and soup.title.string:
        title = soup.title.string
    time_tag = soup.find("time", datetime=True)
    page_language = normalise_language(language)
    meta_date = _meta(soup, "article:published_time", "datePublished", "date", "dc.date", "dcterms.created")
    stated = (parse_date(ld.get("datePublished"), page_language) or parse_date(meta_date, page_language)
              or parse_date(time_tag["datetime"] if isinstance(time_tag, Tag) else None, page_language))
    published = _published(extracted.date if extracted else None, stated, page, soup)
    license_text = (_name(ld.get("license")) or _link(soup, "license")
                    or _meta(soup, "dcterms.license", "license")
                    or (extracted.license if extracted else None))
    canonical = _link(soup, "canonical") or _name(ld.get("url")) or _meta(soup, "og:url")
    canonical = urljoin(url, canonical) if url and canonical else canonical or url  # relative links resolved
    sites = (_name(ld.get("publisher")), _meta(soup, "og:site_name", "application-name"), canonical)
    heading = soup.find("h1")
    title = _title_without_site(title, sites, heading.get_text(" ", strip=True) if heading else None)
    agency = normalise_agency(_name(ld.get("publisher")) or _meta(soup, "og:site_name"))
    body = (extracted.text if extracted else None) or ld.get("articleBody")
    paragraphs = [line for line in re.split(r"\s*\n\s*", body) if line] if isinstance(body, str) else []
    headlines = {_words(title or ""), _words(extracted.title or "") if extracted else ()} - {()}
    if len(paragraphs) > 1 and _words(paragraphs[0]) in headlines:
        del paragraphs[0]  # the page's <h1>, which is the title
    if not paragraphs:
        raise SourceError(source, "no article text found in the HTML", f"byte {offset}" if offset else None)
    dateline, paragraphs[0] = split_dateline(paragraphs[0])
    paragraphs[-1], trailer = split_trailer(paragraphs[-1])
    license_text = license_text or trailer.license_text
    return make_article(
        paragraphs=paragraphs,
        source=source,
        offset=offset,
        fetched=fetched,
        ingested=ingested,
        title=title,
        url=canonical,
        # a page with no URL is named by its text as saved, not by what is read out of it: its id
        # stays as the reader learns to read titles, days and datelines better
        identity=identity or (None if canonical else f"page {hashlib.sha256(page.encode()).hexdigest()}"),
        language=language,
        agency=agency or trailer.agency or (dateline.agency if dateline else None),
        license=spdx_from_text(license_text),
        license_text=license_text,
        published=published,
        dateline=dateline.place if dateline else None,
        byline=(_name(ld.get("author")) or _meta(soup, "author", "article:author")
                or (extracted.author if extracted else None)),
        editors=trailer.editors,
        changes=("took the main text out of the web page (trafilatura)", *wire_changes(dateline, trailer)),
    )


class HtmlReader:
    name = "html"

    def accepts(self, path: Path, head: bytes) -> bool:
        if path.suffix.lower() in {".html", ".htm", ".xhtml"}:
            return True
        start = head.lstrip()[:200].lower()
        return start.startswith(b"<!doctype html") or start.startswith(b"<html")

    def read(self, path: Path, data: bytes, ingested: datetime,
             mapping: FieldMapping = DEFAULT_MAPPING) -> Iterator[Article | SourceError]:
        try:
            check_article_size(len(data), str(path))
            yield article_from_html(decode_text(data, str(path), meta_charset(data)), str(path), ingested)
        except SourceError as error:
            yield error


READER = HtmlReader()
