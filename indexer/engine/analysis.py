"""Text analysis for a multilingual news archive.

English words are stemmed with Snowball's English stemmer, from Snowball's own C library; an index
keeps the stemmer its stored schema names (Porter's original, or Whoosh's copy of Porter2 for
indexes built before), so it is queried as it was built.
Arabic-script words (Persian, Arabic) are normalised so either spelling
finds both: Arabic and Persian yeh and kaf unified, alef forms folded, diacritics, tatweel and the
zero-width (non-)joiner dropped. Other scripts are tokenised on Unicode word boundaries.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter, Token

from dateline.corpus.script import ARABIC_SCRIPT, MARKS, fold_arabic_script

# A word runs through Arabic-script diacritics (combining marks, not \w) and through a zero-width
# non-joiners (Persian می‌روم; scrapers leave runs of them), without being split.
WORD = rf"[\w{MARKS}]+(?:[\u200c\u200d]+[\w{MARKS}]+)*"

# Lucene's English stop words (Elasticsearch's `_english_`). Whoosh's own list also drops `us` and
# `may`, so an archive could not find the US or the month of May (indexes built with it keep it);
# over bench/relevance.py's six collections this list does as well (README).
STOP_WORDS = frozenset("a an and are as at be but by for if in into is it no not of on or such that the "
                       "their then there these they this to was will with".split())


class ArabicScriptFilter(Filter):
    """Folds Arabic-script tokens; leaves every other token alone."""

    def __call__(self, tokens):
        for token in tokens:
            if ARABIC_SCRIPT.search(token.text):
                token.text = fold_arabic_script(token.text)
                if not token.text:
                    continue
            yield token


class LatinStemFilter(StemFilter):
    """Whoosh's stemming for Latin-script words only, kept for the indexes whose schema names it:
    Porter (no `lang`) or Whoosh's Porter2 (`lang="en"`)."""

    def __call__(self, tokens):
        stem = self._stem  # the cached stemmer StemFilter sets up
        for token in tokens:
            if not token.stopped and token.text.isascii():
                token.text = stem(token.text)
            yield token


class SnowballStemFilter(Filter):
    """English stemming for Latin-script words with Snowball's own C library (PyStemmer), whose
    current English stemmer keeps apart what Porter2 as Whoosh ships it conflates (organization /
    organ, international / intern, university / universe); Arabic-script words pass unchanged."""

    is_morph = True  # a stemmer: Whoosh then keeps whole words in their own field, for spelling

    def __init__(self, language: str = "english"):
        self.language = language

    def __call__(self, tokens):
        stem = stemmer(self.language).stemWord
        for token in tokens:
            if not token.stopped and token.text.isascii():
                token.text = stem(token.text)
            yield token


@functools.cache
def stemmer(language: str = "english"):
    import Stemmer

    return Stemmer.Stemmer(language, 100_000)  # with a cache of 100,000 words


def news_analyzer():
    return (
        RegexTokenizer(WORD)
        | LowercaseFilter()
        | ArabicScriptFilter()
        | StopFilter(STOP_WORDS, minsize=1)
        | SnowballStemFilter()
    )


_WORD = re.compile(WORD)


def news_words(text: str) -> tuple[int, list[str]]:
    """The words news_analyzer keeps of a text, unstemmed, and the position of the first: what its
    filter chain computes one Token at a time (lower-cased, Arabic script folded, an emptied word
    dropped, stop words dropped, positions renumbered from the first word kept), a list at a time."""
    # ASCII lower-cased whole is the same words (elsewhere lower-casing can change a word's length)
    words = _WORD.findall(text.lower()) if text.isascii() else [word.lower() for word in _WORD.findall(text)]
    if ARABIC_SCRIPT.search(text):
        words = [fold_arabic_script(word) if ARABIC_SCRIPT.search(word) else word for word in words]
    first = next((at for at, word in enumerate(words) if word and word not in STOP_WORDS), 0)
    return first, [word for word in words[first:] if word and word not in STOP_WORDS]


def news_tokens(text: str) -> Iterator[Token]:
    """The tokens news_analyzer gives a text for highlighting (character offsets, stop words kept
    and marked, unstemmed), one reused Token as Whoosh's tokenizer does: a snippet of a long
    article spent most of its time in the filter chain's generators."""
    stem = stemmer().stemWord
    arabic = ARABIC_SCRIPT.search(text) is not None
    token = Token(chars=True, removestops=False, mode="index")
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if arabic and ARABIC_SCRIPT.search(word):
            word = fold_arabic_script(word)
            if not word:
                continue
        token.stopped = word in STOP_WORDS
        token.text = stem(word) if not token.stopped and word.isascii() else word
        token.startchar, token.endchar = match.span()
        yield token


def is_news_analyzer(analyzer: Any) -> bool:
    """Whether a field is analysed as news_analyzer does (an index built before may name another)."""
    return bool(analyzer == news_analyzer())
