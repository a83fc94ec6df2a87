"""The six sections of a report, found by their headings (data/assessment/sections.csv).

The assessment asks whether all six are present and compares the narrative ones (一, 五, 六)
between reports to measure copied text; so the text of those is kept, the others only counted.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from gongkai.paths import DATA

SECTIONS_FILE = DATA / "assessment" / "sections.csv"


@dataclass(frozen=True)
class SectionText:
    section: str  # 一 … 六
    chars: int  # characters under the heading, up to the next heading found
    text: str | None  # kept for the narrative sections only


@dataclass(frozen=True)
class SectionRule:
    section: str
    label_zh: str
    narrative: bool
    pattern: re.Pattern[str]


@lru_cache(maxsize=1)
def section_rules() -> tuple[SectionRule, ...]:
    with open(SECTIONS_FILE, encoding="utf-8", newline="") as fh:
        return tuple(SectionRule(r["section"], r["label_zh"], r["narrative"] == "yes", re.compile(r["pattern"]))
                     for r in csv.DictReader(fh))


def section_texts(text: str) -> list[SectionText]:
    """One row per section whose heading the text prints (a missing section has no row)."""
    found = []
    for rule in section_rules():
        match = rule.pattern.search(text)
        if match:
            found.append((match.start(), match.end(), rule))
    found.sort(key=lambda f: f[0])
    out = []
    for i, (_, end, rule) in enumerate(found):
        stop = found[i + 1][0] if i + 1 < len(found) else len(text)
        body = text[end:stop].strip()
        out.append(SectionText(rule.section, len(body), body if rule.narrative else None))
    return out
