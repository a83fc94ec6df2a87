"""Live progress for long commands, with rich, only when stderr is a terminal.

In a pipe, a log file or CI nothing is drawn (the summary at the end says what happened), so
redirected output stays clean. rich is imported only when a bar is drawn: its import costs more
than ingesting one small report.
"""
from __future__ import annotations

import sys
from types import TracebackType
from typing import Any


def _rate_column(unit: str) -> Any:
    """A rich column: steps per second, as measured by rich over the last updates."""
    from rich.progress import ProgressColumn, Task
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            return Text("" if task.speed is None else f"{task.speed:.1f} {unit}/s")

    return RateColumn()


def is_terminal() -> bool:
    return sys.stderr.isatty()


class LiveProgress:
    """A bar of done of total, rate, ETA and a status text; `update()` is a no-op off a terminal."""

    def __init__(self, description: str, unit: str, enabled: bool | None = None) -> None:
        self.description = description
        self.unit = unit
        self.enabled = is_terminal() if enabled is None else enabled
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> LiveProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _rate_column(self.unit),
                TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[status]}"),
                console=Console(file=sys.stderr), transient=False,
            )
            self._progress.start()
        return self

    def step(self, done: int, total: int, status: str = "") -> None:
        if self._progress is None:
            return
        if self._task is None:
            self._task = self._progress.add_task(self.description, total=total, status=status)
        self._progress.update(self._task, completed=done, total=total, status=status)

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()


class DocumentProgress(LiveProgress):
    """Ingest: `update(done, total, extraction)` per extracted document; counts the quarantined so far."""

    def __init__(self, enabled: bool | None = None) -> None:
        super().__init__("extracting", "docs", enabled)
        self.quarantined = 0

    def update(self, done: int, total: int, extraction: Any = None) -> None:
        if getattr(extraction, "status", None) == "quarantined":
            self.quarantined += 1
        self.step(done, total, f"quarantined: {self.quarantined}")


class GroupProgress(LiveProgress):
    """Export: `update(done, total, label)` per province-year folder written."""

    def __init__(self, enabled: bool | None = None) -> None:
        super().__init__("exporting", "folders", enabled)

    def update(self, done: int, total: int, label: str = "") -> None:
        self.step(done, total, label)
