"""Text analysis for a multilingual news archive.

English words are stemmed; Arabic-script words (Persian, Arabic) are normalised so either spelling
finds both: Arabic and Persian yeh and kaf unified, alef forms folded, diacritics, tatweel and the
zero-width (non-)joiner dropped. Other scripts are tokenised on Unicode word boundaries.
"""

from __future__ import annotations

import re

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

# Arabic-script diacritics are combining marks, not \w: a word runs through them, and through a
# zero-width non-joiner (Persian می‌روم), without being split.
_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
WORD = rf"[\w{_MARKS}]+(?:[\u200c\u200d][\w{_MARKS}]+)*"

_FOLD = str.maketrans({
    "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
    "\u0649": "\u06cc",  # alef maksura -> Persian yeh
    "\u0643": "\u06a9",  # Arabic kaf -> Persian keheh
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",  # alef forms
    "\u0629": "\u0647",  # teh marbuta -> heh
    "\u0640": None,      # tatweel
    "\u200c": None, "\u200d": None,  # zero-width non-joiner / joiner
})
_DIACRITICS = re.compile(f"[{_MARKS}]")
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def fold_arabic_script(word: str) -> str:
    """One spelling for the variants of an Arabic-script word."""
    return _DIACRITICS.sub("", word).translate(_FOLD)


class ArabicScriptFilter(Filter):
    """Folds Arabic-script tokens; leaves every other token alone."""

    def __call__(self, tokens):
        for token in tokens:
            if _ARABIC_SCRIPT.search(token.text):
                token.text = fold_arabic_script(token.text)
                if not token.text:
                    continue
            yield token


class LatinStemFilter(StemFilter):
    """English stemming for Latin-script words only; Arabic-script words pass unchanged."""

    def __call__(self, tokens):
        stem = self._stem  # the cached stemmer StemFilter sets up
        for token in tokens:
            if not token.stopped and token.text.isascii():
                token.text = stem(token.text)
            yield token


def news_analyzer():
    return (
        RegexTokenizer(WORD)
        | LowercaseFilter()
        | ArabicScriptFilter()
        | StopFilter(minsize=1)
        | LatinStemFilter(cachesize=100_000)
    )
