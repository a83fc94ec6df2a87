"""Live progress for long commands, with rich, only when stderr is a terminal.

In a pipe, a log file or CI nothing is drawn (the summary at the end says what happened), so
redirected output stays clean.
"""
from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.text import Text


class RateColumn(ProgressColumn):
    """Documents per second, as measured by rich over the last updates."""

    def render(self, task: Task) -> Text:
        return Text("" if task.speed is None else f"{task.speed:.1f} docs/s")


def is_terminal() -> bool:
    return sys.stderr.isatty()


class DocumentProgress:
    """`update(done, total, extraction)` per extracted document: done of total, rate, ETA, quarantined so far."""

    def __init__(self, description: str = "extracting", enabled: bool | None = None) -> None:
        self.description = description
        self.enabled = is_terminal() if enabled is None else enabled
        self.quarantined = 0
        self._progress: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> DocumentProgress:
        if self.enabled:
            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
                TextColumn("ETA"), TimeRemainingColumn(), TextColumn("quarantined: {task.fields[quarantined]}"),
                console=Console(file=sys.stderr), transient=False,
            )
            self._progress.start()
        return self

    def update(self, done: int, total: int, extraction: Any = None) -> None:
        if extraction is not None and getattr(extraction, "status", None) == "quarantined":
            self.quarantined += 1
        if self._progress is None:
            return
        if self._task is None:
            self._task = self._progress.add_task(self.description, total=total, quarantined=0)
        self._progress.update(self._task, completed=done, total=total, quarantined=self.quarantined)

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
