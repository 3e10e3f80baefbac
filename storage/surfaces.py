"""Through which surface a change reached Firebreak, for the audit trail.

The surface belongs to the request or job, not to any one domain function, so it travels
in a context variable set once where work enters (a Bolt middleware, a scheduler job, a
CLI command) and becomes the default of ``TimelineEvent.surface``. Threads do not inherit
context variables: whatever hands work to another thread copies the context (``bot.app``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

Surface = Literal[
    "slash_command",  # /incident, /oncall
    "button",  # a button or select on a message (block_actions)
    "modal",  # a view submission
    "shortcut",  # a global or message shortcut
    "event",  # an Events API event (a rename, a reaction)
    "scheduler",  # a reminder, handoff, digest or provisioning job
    "cli",  # the firebreak command line
    "system",  # anything else: the app itself, a migration, a test calling a workflow
]

_current: ContextVar[Surface] = ContextVar("firebreak_surface", default="system")


def current_surface() -> Surface:
    return _current.get()


@contextmanager
def on_surface(surface: Surface) -> Iterator[None]:
    """Attribute the events written inside this block to ``surface``."""
    token = _current.set(surface)
    try:
        yield
    finally:
        _current.reset(token)
