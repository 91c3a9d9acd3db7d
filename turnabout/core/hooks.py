"""Explicit extension points where a lower app must let higher apps react, without importing them.

Unlike Django signals, every hook is declared here, has one documented payload, and is fired by
the lower app only after its transaction commits (see docs/adr/0004-hooks.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Hook:
    """A named extension point; handlers are registered in AppConfig.ready()."""

    name: str
    handlers: list[Callable[..., None]] = field(default_factory=list)

    def register(self, handler: Callable[..., None]) -> None:
        if handler not in self.handlers:
            self.handlers.append(handler)

    def fire(self, **payload: object) -> None:
        for handler in self.handlers:
            handler(**payload)


# Fired after an HRIS import (or mark_leaver) committed newly marked leavers.
# Payload: organisation_id (int), count (int, how many newly left).
people_left = Hook("people_left")
