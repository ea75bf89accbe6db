"""Arabic-script text as sources write it, in one form: Persian and Arabic letters folded, digits ASCII.

Older Persian sites write Arabic yeh and kaf (ي ك), newer ones Persian (ی ک); digits come as ASCII,
Persian (۰-۹) or Arabic-Indic (٠-٩), often mixed inside one number. The indexer folds words with this
so either spelling finds both; the date reader reads month names and numbers with it.
"""

from __future__ import annotations

import re
import unicodedata

# Arabic-script diacritics are combining marks, not \w.
MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
PERSIAN_DIGITS = re.compile("[\u06f0-\u06f9]")  # written in Persian (and Urdu), not in Arabic

FOLDS = {  # a letter and the one it is folded to ("": dropped); the site's search page folds with it too
    "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
    "\u0649": "\u06cc",  # alef maksura -> Persian yeh
    "\u0643": "\u06a9",  # Arabic kaf -> Persian keheh
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",  # alef forms
    "\u0629": "\u0647",  # teh marbuta -> heh
    "\u0640": "",        # tatweel
    "\u200c": "", "\u200d": "",  # zero-width non-joiner / joiner
}
_FOLD = str.maketrans(FOLDS)
_DIACRITICS = re.compile(f"[{MARKS}]")
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def fold_arabic_script(word: str) -> str:
    """One spelling for the variants of an Arabic-script word (presentation forms, U+FBxx and
    U+FExx, become the letters they present)."""
    return _DIACRITICS.sub("", unicodedata.normalize("NFKC", word)).translate(_FOLD)


def ascii_digits(text: str) -> str:
    """Persian and Arabic-Indic digits as ASCII digits ('۱۴۰۲-۶-۴' -> '1402-6-4')."""
    return text.translate(_DIGITS)
