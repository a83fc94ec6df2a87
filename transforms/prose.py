"""Numbers a report quotes in its prose (一、总体情况), for the prose-vs-table check.

Reports restate the request count in words ("全年共收到政府信息公开申请7件"). Where the prose
and the table disagree, one of them is wrong. The phrasings are data
(data/template/prose_patterns.csv): section boundaries and count patterns, `{NUM}` standing
for a number in Arabic or Chinese digits. The earliest phrase in the section wins.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.model import Grid, Paragraph, ReadResult
from gongkai.paths import TEMPLATE
from transforms.labels import collapse

NUM = r"[0-9零〇一二两三四五六七八九十百千]+"
QUOTE_CONTEXT = 12
CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}


@dataclass
class ProseValue:
    metric_id: str
    applicant: str | None
    value: float
    quote: str
    source_ref: str | None


@dataclass(frozen=True)
class Pattern:
    kind: str  # section_start | section_end | count
    metric_id: str | None
    applicant: str | None
    value: float | None  # fixed value for phrases without a number ("未收到…申请" is 0)
    regex: re.Pattern[str]


@lru_cache(maxsize=1)
def patterns() -> tuple[Pattern, ...]:
    with open(TEMPLATE / "prose_patterns.csv", encoding="utf-8", newline="") as fh:
        return tuple(
            Pattern(r["kind"], r["metric_id"] or None, r["applicant"] or None,
                    float(r["value"]) if r["value"].strip() else None,
                    re.compile(r["pattern"].replace("{NUM}", NUM)))
            for r in csv.DictReader(fh)
        )


def parse_number(text: str) -> float | None:
    """'3119' -> 3119, '十二' -> 12, '两' -> 2, '一百零五' -> 105."""
    if text.isdigit():
        return float(text)
    total, digit = 0, None
    for char in text:
        if char in CN_DIGITS:
            digit = CN_DIGITS[char]
        elif char in CN_UNITS:
            total += (1 if digit is None else digit) * CN_UNITS[char]
            digit = None
        else:
            return None
    return float(total + (digit or 0))


def overview_paragraphs(read: ReadResult) -> list[Paragraph]:
    """The paragraphs of 一、总体情况; without that heading, the prose before the first table."""
    starts = [p.regex for p in patterns() if p.kind == "section_start"]
    ends = [p.regex for p in patterns() if p.kind == "section_end"]
    before: list[Paragraph] = []
    section: list[Paragraph] | None = None
    for block in read.blocks:
        if isinstance(block, Grid):
            break
        text = collapse(block.text)
        if any(r.search(text) for r in ends):
            break
        if section is None and any(r.search(text) for r in starts):
            section = []
        elif section is not None:
            section.append(block)
        else:
            before.append(block)
    return section if section is not None else before[1:]  # before the heading, the first paragraph is the title


def prose_values(read: ReadResult) -> list[ProseValue]:
    """One value per metric × applicant quoted in 一、总体情况: the earliest phrase that matches.

    The section is searched as one string without whitespace, so a sentence cut by a PDF line
    break still matches; each match points back to the paragraph it starts in.
    """
    text, offsets = "", []
    for paragraph in overview_paragraphs(read):
        offsets.append((len(text), paragraph.ref))
        text += collapse(paragraph.text)
    found: dict[tuple[str, str | None], tuple[int, ProseValue]] = {}
    for pattern in (p for p in patterns() if p.kind == "count"):
        for match in pattern.regex.finditer(text):
            value = pattern.value if pattern.value is not None else parse_number(match.group("n"))
            if value is None:
                continue
            key = (str(pattern.metric_id), pattern.applicant)
            if key in found and found[key][0] <= match.start():
                break
            ref = next((r for start, r in reversed(offsets) if start <= match.start()), None)
            quote = text[max(0, match.start() - QUOTE_CONTEXT): match.end() + QUOTE_CONTEXT]
            found[key] = (match.start(), ProseValue(key[0], key[1], value, quote, ref or None))
            break
    return [value for _, value in sorted(found.values(), key=lambda item: item[0])]
