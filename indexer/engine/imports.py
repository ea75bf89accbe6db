"""Whoosh without the three modules it imports and this engine never uses: 60 ms of every search.

whoosh.reading takes `cached_property` from the PyPI package of that name, which imports asyncio
(25 ms) for coroutine support Whoosh does not use; whoosh.compat imports urllib.request (and with
it http.client, email and ssl: 27 ms) for a `urlretrieve` nothing in Whoosh calls; whoosh.query
imports English morphology (4.5 ms of regular expressions) for a Variations query Dateline does not
make. While Whoosh is first imported, the standard library's functools.cached_property, and a
urlretrieve and a variations that import the real ones when called, stand in for them; they are
removed again, so any other importer of these modules gets the real one.
"""

from __future__ import annotations

import functools
import sys
import types
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def _variations(word: str) -> Any:
    from whoosh.lang.morph_en import variations

    return variations(word)


@contextmanager
def _standing_in(name: str, **attributes: Any) -> Iterator[None]:
    if name in sys.modules:  # already imported: nothing to save
        yield
        return
    module = sys.modules[name] = types.ModuleType(name)
    module.__dict__.update(attributes)
    try:
        yield
    finally:
        if sys.modules.get(name) is module:
            del sys.modules[name]


def import_whoosh() -> None:
    with ExitStack() as stack:
        stack.enter_context(_standing_in("cached_property", cached_property=functools.cached_property))
        stack.enter_context(_standing_in("urllib.request", urlretrieve=_urlretrieve))
        stack.enter_context(_standing_in("whoosh.lang.morph_en", variations=_variations))
        import whoosh.compat  # noqa: F401
        import whoosh.query  # noqa: F401
        import whoosh.reading  # noqa: F401
