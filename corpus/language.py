"""Languages: a source's own tag normalised to its BCP 47 language subtag, else identified from the text.

Sources write languages every way (`fa-IR`, `FA`, `per`, `fas`, `Persian`, `fa_IR`); langcodes reads
them all. The facet keeps the language subtag alone, so `--lang fa` finds Persian from Iran and
Afghanistan alike. A value that is no language (junk, markup, a sentence) is unknown, never kept: it
would end up as a page's `lang` and as the name of a Pagefind index.
"""

from __future__ import annotations

from itertools import islice

_MIN_LETTERS = 20
# Older Persian sites write Arabic yeh and kaf; classified as written, 38 of 600 Fars News articles
# came out Arabic, Egyptian Arabic or Pashto. With Persian's own forms all 600 are Persian, and
# Arabic text stays Arabic (its words, articles and teh marbuta say so).
_PERSIAN_FORMS = str.maketrans({"\u064a": "\u06cc", "\u0643": "\u06a9"})
_MAX_TAG = 35  # the longest well-formed tags in use are far shorter


def normalise_language(value: object) -> str | None:
    """The language subtag of a tag or language name ('fa-IR', 'per', 'Persian' -> 'fa'), or None."""
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > _MAX_TAG:
        return None
    text = value.strip()
    import langcodes  # its tables take 20 ms to load: reading needs them, searching does not

    try:
        language = langcodes.Language.get(text.replace("_", "-"), normalize=True)
    except (langcodes.LanguageTagError, ValueError):
        try:
            language = langcodes.find(text)
        except (LookupError, ValueError):
            return None
    if not language.is_valid() or not language.language or language.language in {"und", "zxx", "mul", "mis"}:
        return None
    return language.language


def detect_language(text: str) -> str | None:
    """An ISO 639-1 code identified by py3langid (model shipped, no network), or None when too short
    to tell. From the first 1,000 characters: py3langid's time grows with the text, and on 3,326
    real articles (Reuters, Fars News, feeds, web pages) 500 gave the same languages as 2,000."""
    sample = text[:1000]
    letters = (ch for ch in sample if ch.isalpha())  # counted only up to _MIN_LETTERS
    if next(islice(letters, _MIN_LETTERS - 1, None), None) is None:
        return None
    import py3langid  # loads its model (numpy, 30 ms): only reading needs it, not searching

    code, _score = py3langid.classify(sample.translate(_PERSIAN_FORMS))
    return code
