"""How `gongkai query` prints a result: aligned for a terminal, CSV or JSON for a program.

Rows come straight from DuckDB (Python values, None for NULL), never through a float frame, so a
NULL prints as NULL (table), an empty cell (CSV) or null (JSON) and never as NaN, and an integer
column with a NULL stays integers. Column widths count East Asian wide characters as two cells,
so Chinese names line up. CSV text that a spreadsheet would run as a formula is neutralised by the
same function the exports use.
"""
from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
from collections.abc import Sequence
from typing import IO, Any

from rich.cells import cell_len

NULL = "NULL"


def _text(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _numeric(values: list[Any]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, int | float | decimal.Decimal) and not isinstance(v, bool) for v in present)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - cell_len(text))
    return gap + text if right else text + gap


def table(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns separated by two spaces, numbers right-aligned, widths in terminal cells."""
    cells = [[_text(v) for v in row] for row in rows]
    widths = [max([cell_len(n), *(cell_len(r[i]) for r in cells)]) for i, n in enumerate(names)]
    right = [_numeric([row[i] for row in rows]) for i in range(len(names))]
    lines = ["  ".join(_pad(n, w, r) for n, w, r in zip(names, widths, right)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, w, r) for c, w, r in zip(row, widths, right)).rstrip() for row in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def write_result(names: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, stream: IO[str]) -> None:
    if fmt == "csv":
        import pandas as pd

        from warehouse.export import neutralise

        frame = neutralise(pd.DataFrame([list(r) for r in rows], columns=list(names), dtype=object))
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(["" if v is None else v for v in row] for row in frame.itertuples(index=False, name=None))
    elif fmt == "json":
        records = [{n: _json_value(v) for n, v in zip(names, row)} for row in rows]
        stream.write(json.dumps(records, ensure_ascii=False, default=str) + "\n")
    else:
        stream.write(table(names, rows))
