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

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

from dateline.corpus.script import ARABIC_SCRIPT, MARKS, fold_arabic_script

# A word runs through Arabic-script diacritics (combining marks, not \w) and through a zero-width
# non-joiners (Persian می‌روم; scrapers leave runs of them), without being split.
WORD = rf"[\w{MARKS}]+(?:[\u200c\u200d]+[\w{MARKS}]+)*"


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
        stem = _stemmer(self.language).stemWord
        for token in tokens:
            if not token.stopped and token.text.isascii():
                token.text = stem(token.text)
            yield token


@functools.cache
def _stemmer(language: str):
    import Stemmer

    return Stemmer.Stemmer(language, 100_000)  # with a cache of 100,000 words


def news_analyzer():
    return (
        RegexTokenizer(WORD)
        | LowercaseFilter()
        | ArabicScriptFilter()
        | StopFilter(minsize=1)
        | SnowballStemFilter()
    )
