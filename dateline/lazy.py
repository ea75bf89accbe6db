"""Package names handed on when first used, so importing one stage never loads another's libraries.

`dateline --help` should not load numpy, Whoosh and every reader; a package's `__init__` names what
it offers and this imports the module holding a name on first access (PEP 562).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def hand_on(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that finds each of `names` in its module (relative to `package`)."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(names[name], package), name)

    return __getattr__
