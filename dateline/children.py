"""Child processes that die with their parent, even when the parent is killed with SIGKILL.

Reader workers, Whoosh's sub-writers and Pagefind are children of a Dateline command; an orphan
would go on reading, writing temporary segments or burning a core for a run nobody waits for.
Linux's PR_SET_PDEATHSIG has the kernel kill them; elsewhere this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_LIBC = (ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True) if sys.platform.startswith("linux")
         else None)
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Run in a new child: be killed with the parent; exit at once if it is already gone."""
    if _LIBC is None:
        return
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died between the fork and prctl
        os._exit(1)


def preexec_die_with_parent() -> Callable[[], None]:
    """A preexec_fn for subprocess: the command it starts dies with this process."""
    return functools.partial(die_with_parent, os.getpid())


class _ForkHook:
    """Applies die_with_parent to every fork made inside `forks_die_with_parent()`."""

    active = 0
    parent = 0

    @classmethod
    def before(cls) -> None:
        cls.parent = os.getpid()

    @classmethod
    def after_in_child(cls) -> None:
        if cls.active:
            die_with_parent(cls.parent)


os.register_at_fork(before=_ForkHook.before, after_in_child=_ForkHook.after_in_child)


@contextmanager
def forks_die_with_parent() -> Iterator[None]:
    """Processes forked inside this block (multiprocessing, ProcessPoolExecutor) die with this one."""
    _ForkHook.active += 1
    try:
        yield
    finally:
        _ForkHook.active -= 1
