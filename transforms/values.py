"""Parse a printed cell into a number and say what kind of value it was.

parse_cell() reads what was printed; metric_value() then checks it against what the metric holds
(data/template/value_kinds.csv): a count is a whole number >= 0 of at most MAX_COUNT_DIGITS digits,
本年增/减 is a signed count, an amount keeps its decimals and is stored in the metric's unit (an
amount printed in 元 in a 万元 column is divided by 10000). Anything else (-3, 1.5, +7 as a count,
1e9, Infinity, a 20-digit cell) is kept as text with its raw text and a note, never as a float.
"""
from __future__ import annotations

import csv
import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache

from gongkai.paths import TEMPLATE
from transforms.labels import collapse

NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
UNIT_SUFFIX = re.compile(r"(?:件|项|万元|元|个|人次|次)$")
NUMBER_LIKE = re.compile(r"^[+-]?(?:\d[\d,.]*(?:e[+-]?\d+)?|inf(?:inity)?|nan)$", re.IGNORECASE)
MAX_DIGITS = 15  # beyond this a float no longer holds the number exactly
MAX_COUNT_DIGITS = 12
TO_METRIC_UNIT = {("元", "万元"): 1e-4, ("万元", "元"): 1e4}


@dataclass(frozen=True)
class ParsedValue:
    value: float | None
    semantic: str  # number | zero | blank | na | text
    unit: str | None = None  # the unit printed after the number (元, 万元, 件, ...)
    note: str | None = None  # why a number-like cell was kept as text, or how it was converted


@lru_cache(maxsize=1)
def na_tokens() -> frozenset[str]:
    with open(TEMPLATE / "values.csv", encoding="utf-8") as fh:
        return frozenset(collapse(row["token"]) for row in csv.DictReader(fh))


@lru_cache(maxsize=65536)
def parse_cell(text: str) -> ParsedValue:
    raw = collapse(text)
    if raw == "":
        return ParsedValue(None, "blank")
    if raw in na_tokens():
        return ParsedValue(None, "na")
    suffix = UNIT_SUFFIX.search(raw)
    number = raw[: suffix.start()] if suffix else raw
    if NUMBER.match(number):
        if len(number.split(".")[0].lstrip("+-").replace(",", "")) > MAX_DIGITS:
            return ParsedValue(None, "text", note=f"'{_short(raw)}' has more digits than any count or amount")
        value = float(number.replace(",", ""))
        return ParsedValue(value, "zero" if value == 0 else "number", suffix.group(0) if suffix else None)
    return ParsedValue(None, "text")


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:20]}… ({len(text)} characters)"


def is_value_like(text: str) -> bool:
    """Numbers (or number-like cells: 1e9, Infinity), blanks and n.a. fill value columns; the rest are labels."""
    return parse_cell(text).semantic != "text" or bool(NUMBER_LIKE.match(collapse(text)))


@lru_cache(maxsize=1)
def _kinds() -> tuple[tuple[str, str], ...]:
    with open(TEMPLATE / "value_kinds.csv", encoding="utf-8") as fh:
        return tuple((row["pattern"], row["kind"]) for row in csv.DictReader(fh))


def value_kind(metric_id: str) -> str:
    return next(kind for pattern, kind in _kinds() if fnmatch.fnmatchcase(metric_id, pattern))


def metric_value(text: str, metric_id: str, metric_unit: str) -> ParsedValue:
    """A printed cell as the metric holds it: counts whole and >= 0, amounts in the metric's unit."""
    parsed = parse_cell(text)
    raw = collapse(text)
    if parsed.semantic == "text":
        if NUMBER_LIKE.match(raw) or parsed.note:
            return ParsedValue(None, "text", note=parsed.note or f"'{_short(raw)}' is not a number this column can hold; kept as text")
        return parsed
    if parsed.value is None:
        return parsed
    kind = value_kind(metric_id)
    number = raw[: len(raw) - len(parsed.unit or "")]
    if kind in ("count", "signed_count"):
        digits = number.lstrip("+-").replace(",", "")
        signed = number[:1] in "+-" and kind == "count"
        if signed or "." in digits or len(digits) > MAX_COUNT_DIGITS or (parsed.unit in ("元", "万元")):
            return ParsedValue(None, "text", note=f"'{_short(raw)}' is not a count (a whole number from 0); kept as text")
        return parsed
    factor = TO_METRIC_UNIT.get((parsed.unit or "", metric_unit))
    if parsed.value < 0:
        return ParsedValue(None, "text", note=f"'{_short(raw)}' is a negative amount; kept as text")
    if factor:
        value = round(parsed.value * factor, 10)
        return ParsedValue(value, "zero" if value == 0 else "number", metric_unit, f"printed '{raw}': stored as {value:.10f}".rstrip("0").rstrip(".") + f" {metric_unit}")
    return parsed
