"""Section 二 counts a report states in its prose (``本年新制发规范性文件3件，废止2件，现行有效5件``).

The three counts of 本年制发 / 本年废止 / 现行有效 have no identity among them, so a glued or short
row (``5615`` over three columns) often keeps several candidates. Reports restate these counts in
words, in 一、总体情况 or under 二. Those numbers may choose among the candidates the identities
allow (transforms/splitter.py); they never replace a printed value.

The phrasing is data (data/template/prose_phrases.csv): `row` nouns (规章, 规范性文件) name the
table row, `column` verbs (制发, 废止, 现行有效) the column; a number with 件 after a verb gives the
cell. A sentence is read clause by clause and the last noun carries over (``…规范性文件3件，废止2件``
is 规范性文件 废止 2). A cell the prose states twice with different numbers is not used.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.model import Paragraph, ReadResult
from gongkai.paths import TEMPLATE
from transforms.catalog import metrics
from transforms.labels import collapse
from transforms.prose import NUM, parse_number

SENTENCE = re.compile(r"[。；;!！?？\n]")
QUOTE_CONTEXT = 10
Key = tuple[str, str | None]


@dataclass(frozen=True)
class ProseCount:
    metric_id: str
    value: float
    quote: str
    source_ref: str | None


@lru_cache(maxsize=1)
def _phrases() -> tuple[list[tuple[str, re.Pattern[str]]], re.Pattern[str]]:
    rows: list[tuple[str, re.Pattern[str]]] = []
    columns: list[tuple[str, str]] = []
    with open(TEMPLATE / "prose_phrases.csv", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["kind"] == "row":
                rows.append((r["target"], re.compile(r["pattern"])))
            else:
                columns.append((r["target"], r["pattern"]))
    verbs = "|".join(f"(?P<{target}>{pattern})" for target, pattern in columns)
    # a verb, at most 12 characters without another number or clause break, then the count in 件
    count = re.compile(rf"(?:{verbs})(?P<between>[^，,、。；;:：\d零〇一二两三四五六七八九十百千]{{0,12}}?)(?:共|计|为)?(?P<n>{NUM})(?:件|份)")
    return rows, count


def prose_counts(read: ReadResult) -> dict[str, ProseCount]:
    """Section 二 cells the report's prose states, by metric id (cells stated twice differently left out)."""
    rows, count = _phrases()
    found: dict[str, ProseCount] = {}
    conflicting: set[str] = set()
    for block in read.blocks:
        if not isinstance(block, Paragraph):
            continue
        text = collapse(block.text)
        for sentence in SENTENCE.split(text):
            row: str | None = None
            position = 0
            for match in count.finditer(sentence):
                row = _last_row(rows, sentence[position:match.start()] + match.group("between"), row)
                position = match.end()
                column = next(name for name, value in match.groupdict().items() if value is not None and name not in ("between", "n"))
                value = parse_number(match.group("n"))
                metric_id = f"{row}.{column}" if row else None
                if value is None or metric_id not in metrics():
                    continue
                quote = sentence[max(0, match.start() - QUOTE_CONTEXT): match.end()]
                if metric_id in found and found[metric_id].value != value:
                    conflicting.add(metric_id)
                found.setdefault(metric_id, ProseCount(metric_id, value, quote, block.ref))
    return {k: v for k, v in found.items() if k not in conflicting}


def _last_row(rows: list[tuple[str, re.Pattern[str]]], text: str, current: str | None) -> str | None:
    """The row named last in the text before a count; the sentence's earlier row otherwise."""
    best, at = current, -1
    for target, pattern in rows:
        for m in pattern.finditer(text):
            if m.start() > at:
                best, at = target, m.start()
    return best


def splitter_hints(read: ReadResult) -> dict[Key, tuple[float, str]]:
    """The prose counts as transforms/splitter.solve_rows takes them: (metric_id, None) -> (value, quote)."""
    return {(c.metric_id, None): (c.value, c.quote) for c in prose_counts(read).values()}
