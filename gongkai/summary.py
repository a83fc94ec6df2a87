"""The ingest summary a person can act on: quarantines grouped by reason, skips grouped by why,
the first files of each group on screen and the full list in a file the summary names."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gongkai.names import display_text

FIRST_FILES = 5
_DETAIL = re.compile(r"\([^()]*\)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Problem:
    """One file that did not load: its display path and the reason (which starts with its name)."""
    source: str
    reason: str

    @property
    def name(self) -> str:
        return self.source.rsplit("/", 1)[-1]

    @property
    def cause(self) -> str:
        """The reason without the file's name in front."""
        prefix = f"{self.name}: "
        return self.reason[len(prefix):] if self.reason.startswith(prefix) else self.reason


def group_key(cause: str) -> str:
    """Reasons that differ only in numbers and bracketed details (page 3, 512 MB, the parser's words) group together."""
    return " ".join(_NUMBER.sub("N", _DETAIL.sub("", cause)).split())


def grouped(items: Iterable[tuple[str, str, str]]) -> list[tuple[str, list[str]]]:
    """(key, label, file) triples -> [(label of the group's first, files in name order)], biggest group first."""
    groups: dict[str, tuple[str, list[str]]] = {}
    for key, label, name in items:
        groups.setdefault(key, (label, []))[1].append(name)
    return sorted(((label, sorted(names)) for label, names in groups.values()), key=lambda g: -len(g[1]))


def group_lines(title: str, groups: list[tuple[str, list[str]]], total: int) -> list[str]:
    if not total:
        return []
    out = [f"{title}: {total} in {len(groups)} group{'s' if len(groups) != 1 else ''}"]
    for label, names in groups:
        more = f" … and {len(names) - FIRST_FILES} more" if len(names) > FIRST_FILES else ""
        out.append(f"  {len(names)} × {display_text(label)}")
        out.append(f"      {', '.join(display_text(n) for n in names[:FIRST_FILES])}{more}")
    return out


def write_list(path: Path, rows: list[tuple[str, str, str]]) -> str | None:
    """Write status<TAB>file<TAB>reason rows; None if written, else why not (the summary says so)."""
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("status\tfile\treason\n")
            for row in rows:
                fh.write("\t".join(display_text(cell) for cell in row) + "\n")
        return None
    except OSError as exc:
        return exc.strerror or str(exc)
