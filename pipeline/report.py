"""Progress reporting: the pipeline calls a Reporter; the CLI injects one that draws bars."""

from __future__ import annotations

from typing import Protocol


class Reporter(Protocol):
    def stage(self, name: str, total: int) -> None:
        """A stage with ``total`` steps starts (total 0: no steps)."""

    def advance(self, name: str, n: int = 1) -> None:
        """``n`` steps of stage ``name`` are done."""

    def note(self, message: str) -> None:
        """A warning or remark for the user."""


class NullReporter:
    def stage(self, name: str, total: int) -> None:
        pass

    def advance(self, name: str, n: int = 1) -> None:
        pass

    def note(self, message: str) -> None:
        pass


class RecordingReporter:
    """Keeps every event; used by tests to count the work really done."""

    def __init__(self) -> None:
        self.stages: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self.notes: list[str] = []

    def stage(self, name: str, total: int) -> None:
        self.stages[name] = total
        self.done.setdefault(name, 0)

    def advance(self, name: str, n: int = 1) -> None:
        self.done[name] = self.done.get(name, 0) + n

    def note(self, message: str) -> None:
        self.notes.append(message)
