"""Parse a printed cell into a number and say what kind of value it was."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from gongkai.paths import TEMPLATE
from transforms.labels import collapse

NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
UNIT_SUFFIX = re.compile(r"(?:件|项|万元|元|个|人次|次)$")


@dataclass(frozen=True)
class ParsedValue:
    value: float | None
    semantic: str  # number | zero | blank | na | text


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
    number = UNIT_SUFFIX.sub("", raw)
    if NUMBER.match(number):
        value = float(number.replace(",", ""))
        return ParsedValue(value, "zero" if value == 0 else "number")
    return ParsedValue(None, "text")


def is_value_like(text: str) -> bool:
    """Numbers, blanks and n.a. tokens fill value columns; anything else is a label."""
    return parse_cell(text).semantic != "text"
