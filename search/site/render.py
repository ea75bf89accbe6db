"""What every page kind shares: the Jinja2 environment, relative links, and write-if-changed."""

from __future__ import annotations

import filecmp
import hashlib
import os
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from dateline.corpus.language import normalise_language
from dateline.search.archive import Hit
from dateline.search.output import marked_html
from dateline.search.site.ledger import PageLedger

RTL_LANGUAGES = {"ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv", "sd", "ug"}
SITE_NAME = "Dateline archive"
PAGE_SIZE = 50


def page_language(language: str | None) -> str:
    """A page's lang attribute: always a valid tag, even from an index older than normalise_language."""
    return normalise_language(language) or "und"


def direction(language: str | None) -> str:
    return "rtl" if page_language(language) in RTL_LANGUAGES else "ltr"


def slug(value: str) -> str:
    """A file name for a facet value: readable where it can be, with a short hash where it must be."""
    readable = re.sub(r"[^\w]+", "-", value.casefold()).strip("-")[:60]
    digest = hashlib.sha1(value.encode("utf-8")).hexdigest()[:6]
    return readable if readable and readable == value.casefold() else f"{readable or 'v'}-{digest}"


def article_path(article_id: str) -> str:
    return f"articles/{article_id}.html"


def facet_index_path(facet: str) -> str:
    return f"browse/{facet}/index.html"


def browse_path(facet: str, value: str, page: int = 1) -> str:
    name = "index.html" if page == 1 else f"page-{page}.html"
    return f"browse/{facet}/{slug(value)}/{name}"


def day_path(day: str, page: int = 1) -> str:
    """A day's articles (day YYYY-MM-DD), or with a month (YYYY-MM) the list of its days."""
    return f"browse/day/{day}/index.html" if page == 1 else f"browse/day/{day}/page-{page}.html"


def query_path(name: str, page: int = 1, facet: str | None = None, value: str | None = None) -> str:
    """A saved query's page of results, narrowed to one facet value when given."""
    folder = f"queries/{slug(name)}" + (f"/{facet}/{slug(value or '')}" if facet else "")
    return f"{folder}.html" if page == 1 else f"{folder}/page-{page}.html"


def query_download_path(name: str, fmt: str) -> str:
    return f"queries/{slug(name)}.{fmt}"


# Characters browsers drop from a URL before reading its scheme ("\tjavascript:" runs as javascript:).
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]")
LINK_SCHEMES = {"http", "https"}


def link_url(url: str | None) -> str | None:
    """The URL if it may become a link: only http(s). Any other scheme (javascript:, data:, ...)
    is shown as text, never as an href, so a hostile source cannot run script in a reader's browser."""
    if not url:
        return None
    try:
        parts = urlsplit(_URL_NOISE.sub("", url))
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in LINK_SCHEMES and parts.netloc else None


@dataclass
class Page:
    """One page to write: its path under the site root, its template and what the template shows."""

    path: str
    template: str | None  # None: a download, its text written by `writes`
    data: dict[str, Any] = field(default_factory=dict)
    writes: Callable[[IO[str]], object] | None = None

    def href(self, target: str) -> str:
        """A link from this page to another path under the site root, relative so the site works anywhere."""
        relative = posixpath.relpath(target, posixpath.dirname(self.path) or ".")
        return quote(relative)

    @property
    def root(self) -> str:
        depth = self.path.count("/")
        return "../" * depth


def _files_under(folder: Path) -> Iterator[str]:
    """Every file below a folder, read one directory entry at a time: a sorted rglob of a million
    article pages held every path at once (600 MB at the end of a million-article site build)."""
    folders = [str(folder)] if folder.is_dir() else []
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    yield entry.path


def hit_view(page: Page, hit: Hit) -> dict[str, Any]:
    article = hit.article
    return {
        "href": page.href(article_path(article.id)),
        "title": article.title,
        "lang": page_language(article.language),
        "dir": direction(article.language),
        "date": article.published.date().isoformat() if article.published else "date unknown",
        "agency": article.agency or "agency unknown",
        "dateline": article.dateline or "no dateline",
        "copies": hit.reprint_count,
        "snippet_html": Markup(marked_html(hit.snippet)),
    }


class Renderer:
    """Renders pages into the output folder, rewriting a file only when its bytes change."""

    def __init__(self, out: Path, nav: list[tuple[str, str]], ledger: PageLedger):
        self.out = out
        self.nav = nav
        self.loader = PackageLoader("dateline.templates", ".")
        self.env = Environment(loader=self.loader,
                               autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
        self.written = 0
        self.unchanged = 0
        self.ledger = ledger  # every page of this build: its path and content digest

    def render(self, page: Page) -> None:
        if page.template is None:
            assert page.writes is not None
            self.write_streamed(page.path, page.writes)
            return
        nav = [{"href": page.href(path), "label": label} for label, path in self.nav]
        context = {"root": page.root, "site_name": SITE_NAME, "nav": nav, **page.data}
        self.write(page.path, self.env.get_template(page.template).render(context).encode("utf-8"))

    def write(self, path: str, content: bytes) -> None:
        self.ledger.record(path, hashlib.sha256(content).hexdigest())
        target = self.out / path
        if target.exists() and target.read_bytes() == content:
            self.unchanged += 1
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(content)
        tmp.replace(target)
        self.written += 1

    def write_streamed(self, path: str, writes: Callable[[IO[str]], object]) -> None:
        """A file of any size, written as it is made, beside the old one; kept only if its bytes differ."""
        self.ledger.record(path, "streamed")  # not searchable: Pagefind does not depend on it
        target = self.out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        with tmp.open("w", encoding="utf-8", newline="") as out:
            writes(out)
        if target.exists() and filecmp.cmp(tmp, target, shallow=False):
            tmp.unlink()
            self.unchanged += 1
            return
        tmp.replace(target)
        self.written += 1

    def remove_stale(self, folders: tuple[str, ...]) -> int:
        """Delete the pages and downloads of earlier builds that this one did not make (an article
        gone from the index, a query no longer saved), in the site's own folders only."""
        removed = 0
        for folder in folders:
            for path in _files_under(self.out / folder):
                if Path(path).relative_to(self.out).as_posix() not in self.ledger:
                    os.unlink(path)
                    removed += 1
        return removed

    def static(self, name: str) -> None:
        """Copy a static asset (the stylesheet, the search script) from the templates package."""
        source = self.loader.get_source(self.env, name)[0]
        self.write(name, source.encode("utf-8"))
