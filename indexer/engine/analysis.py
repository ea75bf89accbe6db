"""Text analysis for a multilingual news archive.

English words are stemmed with Snowball's English stemmer (Porter2); an index built before keeps
Porter's original stemmer, which its stored schema names, so it is queried as it was built.
Arabic-script words (Persian, Arabic) are normalised so either spelling
finds both: Arabic and Persian yeh and kaf unified, alef forms folded, diacritics, tatweel and the
zero-width (non-)joiner dropped. Other scripts are tokenised on Unicode word boundaries.
"""

from __future__ import annotations

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
    """English stemming for Latin-script words only; Arabic-script words pass unchanged. (Indexes
    built before Snowball stored this filter with Porter's stem function and no `lang`.)"""

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
        | LatinStemFilter(lang="en", cachesize=100_000)
    )
