"""Recognise a license from the sentence or link a source gives, as an SPDX id."""

from __future__ import annotations

import re

_CC_KINDS = {
    "by": "CC-BY",
    "by-sa": "CC-BY-SA",
    "by-nd": "CC-BY-ND",
    "by-nc": "CC-BY-NC",
    "by-nc-sa": "CC-BY-NC-SA",
    "by-nc-nd": "CC-BY-NC-ND",
}

# Longest names first, so "Attribution-NonCommercial-ShareAlike" wins over "Attribution".
_CC_NAMES = [
    ("attribution-noncommercial-sharealike", "by-nc-sa"),
    ("attribution-noncommercial-noderivatives", "by-nc-nd"),
    ("attribution-noncommercial-noderivs", "by-nc-nd"),
    ("attribution-noncommercial", "by-nc"),
    ("attribution-sharealike", "by-sa"),
    ("attribution-noderivatives", "by-nd"),
    ("attribution-noderivs", "by-nd"),
    ("attribution", "by"),
]

_CC_URL = re.compile(r"creativecommons\.org/licenses/([a-z-]+)/(\d\.\d)", re.I)
_CC_SENTENCE = re.compile(r"creative\s+commons\s+([a-z-]+(?:\s*-\s*[a-z]+)*)\s+(\d\.\d)", re.I)
_PUBLIC_DOMAIN = re.compile(r"creativecommons\.org/(?:publicdomain/zero|licenses/zero)/1\.0|\bCC0\b", re.I)

NAMES = {
    "CC-BY-4.0": "Creative Commons Attribution 4.0 International",
    "CC-BY-SA-4.0": "Creative Commons Attribution-ShareAlike 4.0 International",
    "CC-BY-ND-4.0": "Creative Commons Attribution-NoDerivatives 4.0 International",
    "CC-BY-NC-4.0": "Creative Commons Attribution-NonCommercial 4.0 International",
    "CC-BY-NC-SA-4.0": "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International",
    "CC-BY-NC-ND-4.0": "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International",
    "CC0-1.0": "Creative Commons Zero 1.0 Universal",
}


def spdx_from_text(text: str | None) -> str | None:
    """The SPDX id for a license sentence or URL, or None when none is recognised."""
    if not text:
        return None
    if _PUBLIC_DOMAIN.search(text):
        return "CC0-1.0"
    match = _CC_URL.search(text)
    if match and match.group(1).lower() in _CC_KINDS:
        return f"{_CC_KINDS[match.group(1).lower()]}-{match.group(2)}"
    match = _CC_SENTENCE.search(text)
    if match:
        words = re.sub(r"\s*-\s*", "-", match.group(1)).lower()
        for name, kind in _CC_NAMES:
            if words.startswith(name):
                return f"{_CC_KINDS[kind]}-{match.group(2)}"
    return None


def license_url(spdx: str) -> str | None:
    """The canonical deed URL for a Creative Commons SPDX id."""
    if spdx == "CC0-1.0":
        return "https://creativecommons.org/publicdomain/zero/1.0/"
    match = re.fullmatch(r"CC-([A-Z-]+)-(\d\.\d)", spdx)
    if not match:
        return None
    return f"https://creativecommons.org/licenses/{match.group(1).lower()}/{match.group(2)}/"
