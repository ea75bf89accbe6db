"""Which parts of a sharded search index hold a word: a small Pagefind index of the parts themselves.

A search for a word in few articles, or in none (a name, a misspelling), found them only by reading
every part, since any part might hold it: at a million articles, 100 parts and tens of megabytes.
So the words of each part's pages are indexed once more, each part and language as one page whose
text is every distinct word its article pages give Pagefind, with the part's name as a filter. The
search page asks this index first, with Pagefind's own stemming of each language, and then reads only
the parts whose filter counts show every word of the query.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from dateline.search.site.bundles import build_bundle

WORDS_BUNDLE = "pagefind-words"
PART_WORDS = "dateline-words.json"  # in a part's bundle: its pages' distinct words, by language
PARTS = "dateline-parts.json"  # in the words bundle: the parts (and their digests) it was built from
_LANG = re.compile(r'<html lang="([^"]*)"')
_BODY = re.compile(r"<article data-pagefind-body.*?>(.*?)</article>", re.S)
_IGNORED = re.compile(r"<(\w+)[^>]*data-pagefind-ignore[^>]*>.*?</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


def page_words(page: str) -> tuple[str, set[str]]:
    """An article page's language (its html lang, as Pagefind reads it) and the distinct
    whitespace-separated words of what Pagefind indexes of it (the article element, less what it
    marks data-pagefind-ignore), each as written: Pagefind splits and stems them as in the page."""
    language = _LANG.search(page)
    body = _BODY.search(page)
    text = html.unescape(_TAG.sub(" ", _IGNORED.sub(" ", body.group(1)))) if body else ""
    return (language.group(1) if language else ""), set(text.split())


def part_words(pages: Iterable[Path]) -> dict[str, list[str]]:
    """The distinct words of a part's pages, by language."""
    words: dict[str, set[str]] = {}
    for path in pages:
        language, found = page_words(path.read_text(encoding="utf-8"))
        words.setdefault(language, set()).update(found)
    return {language: sorted(found) for language, found in sorted(words.items())}


def write_part_words(bundle: Path, pages: Iterable[Path]) -> None:
    """Written whole or not at all (a build killed mid-write leaves a .tmp, removed by the next)."""
    tmp = bundle / f"{PART_WORDS}.tmp"
    tmp.write_text(json.dumps(part_words(pages), ensure_ascii=False), encoding="utf-8")
    tmp.replace(bundle / PART_WORDS)


def build_words_index(out: Path, parts: dict[str, str]) -> str | None:
    """The words bundle for the parts (bundle name -> digest of its pages), built again only when
    the parts changed; None, or why Pagefind failed."""
    bundle = out / WORDS_BUNDLE
    if len(parts) < 2:  # one part: nothing to choose between
        shutil.rmtree(bundle, ignore_errors=True)
        return None
    try:
        if json.loads((bundle / PARTS).read_text()) == parts:
            return None
    except (OSError, ValueError):
        pass
    with tempfile.TemporaryDirectory(prefix="dateline-words-") as folder:
        pages = Path(folder)
        for number, name in enumerate(parts):
            file = out / name / PART_WORDS
            try:
                words = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as damage:  # made again from the pages by the next build
                file.unlink(missing_ok=True)
                return f"{file}: unreadable ({damage}), removed; build the site again to make it anew"
            for language, found in words.items():
                (pages / f"{number}-{language or 'none'}.html").write_text(
                    f'<!DOCTYPE html><html lang="{html.escape(language)}"><head><meta charset="utf-8">'
                    f"<title>{number}</title></head><body><main data-pagefind-body "
                    f'data-pagefind-filter="part:{html.escape(name)}/">{html.escape(" ".join(found))}</main>'
                    "</body></html>", encoding="utf-8")
        error = build_bundle(pages, bundle, None, (PARTS, json.dumps(parts)))
    return error and f"{error} (the words of the search parts)"
