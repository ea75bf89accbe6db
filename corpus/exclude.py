"""Which files of a corpus folder are passed over: documentation beside a corpus is not part of it."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from pathlib import Path

DEFAULT_EXCLUDE = ("README*", "LICENSE*", "COPYING*", "CHANGELOG*", ".*")


def excluded(path: Path, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns)
