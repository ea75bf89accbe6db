"""Language identification with py3langid, which ships its model and needs no network."""

from __future__ import annotations

import py3langid

_MIN_LETTERS = 20


def detect_language(text: str) -> str | None:
    """An ISO 639-1 code, or None when the text is too short to tell."""
    sample = text[:2000]
    if sum(ch.isalpha() for ch in sample) < _MIN_LETTERS:
        return None
    code, _score = py3langid.classify(sample)
    return code
