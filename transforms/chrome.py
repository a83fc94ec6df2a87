"""Page chrome is never the report: header fields, breadcrumbs, share bars, print controls, footers.

Crawlers and CMS pages wrap a report in chrome that the readers cannot tell from prose: an
archive header (标题: / 发布时间: / 原文链接:), a breadcrumb (当前位置：首页>…), share buttons
(微信 微博 QQ空间), font and print controls, a site footer. Left in, it becomes the title
("标题:平潭…局"), the unit or a label. One mechanism for every format: after any reader, the
patterns of data/template/chrome.csv cut chrome out of every paragraph and cell, and the header
fields are kept, as printed, in ReadResult.meta (the 发布时间 is the publication date).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from extractors.model import Grid, Paragraph, ReadResult
from gongkai.paths import TEMPLATE

CHROME_CSV = TEMPLATE / "chrome.csv"
DATE = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?")
DATE_KEYS = frozenset({"发布时间", "发布日期", "时间", "日期"})
MAX_VALUE_CHARS = 300  # longer than any URL or local path a header prints; a longer "value" is body text
CJK_BEFORE = r"(?<![\u4e00-\u9fff\w])"


@dataclass(frozen=True)
class ChromeRules:
    header: re.Pattern[str]
    drop: tuple[re.Pattern[str], ...]
    footer: re.Pattern[str] | None
    title_lead: re.Pattern[str] | None  # breadcrumb column words an in-line title's unit never holds


@lru_cache(maxsize=1)
def rules() -> ChromeRules:
    with open(CHROME_CSV, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    keys = sorted((r["pattern"] for r in rows if r["kind"] == "header_key"), key=len, reverse=True)
    header = re.compile(CJK_BEFORE + "(" + "|".join(map(re.escape, keys)) + r")\s*[:：]")
    drop = tuple(re.compile(r["pattern"]) for r in rows if r["kind"] == "drop")
    return ChromeRules(header, drop, _any_of(rows, "footer"), _any_of(rows, "title_lead"))


def _any_of(rows: list[dict[str, str]], kind: str) -> re.Pattern[str] | None:
    patterns = [r["pattern"] for r in rows if r["kind"] == kind]
    return re.compile("|".join(patterns)) if patterns else None


def clean_line(line: str, meta: dict[str, str]) -> str:
    """The line without chrome; header fields found in it are added to meta (first one wins)."""
    original = line
    line = _take_headers(line, meta)
    for pattern in rules().drop:
        line = pattern.sub(" ", line)
    footer = rules().footer.search(line) if rules().footer else None
    if footer:
        line = line[: footer.start()]
    return original if line == original else re.sub(r" {2,}", " ", line).strip()


def _take_headers(line: str, meta: dict[str, str]) -> str:
    """Cut every `key: value` span; a value runs to the next key or the end of the line, except
    that a date key keeps only its date and a value too long to be a header keeps its first word."""
    found = list(rules().header.finditer(line))
    if not found:
        return line
    pieces, position = [], 0
    for i, match in enumerate(found):
        if match.start() < position:
            continue
        limit = found[i + 1].start() if i + 1 < len(found) else len(line)
        raw = line[match.end(): limit]
        value = raw.strip()
        key = match.group(1)
        if key in DATE_KEYS:
            date = DATE.match(value)
            value = date.group(0) if date else ("" if len(value) > MAX_VALUE_CHARS else value)
        elif len(value) > MAX_VALUE_CHARS:
            value = value.split()[0] if value.split() else ""
        end = match.end() + (raw.find(value) + len(value) if value else len(raw) - len(raw.lstrip()))
        if value:
            meta.setdefault(key, value)
        pieces.append(line[position: match.start()])
        position = end
    pieces.append(line[position:])
    return " ".join(p for p in pieces if p.strip()) if any(p.strip() for p in pieces) else ""


def clean_text(text: str, meta: dict[str, str]) -> str:
    return "\n".join(clean_line(line, meta) for line in text.split("\n"))


def strip_chrome(read: ReadResult) -> ReadResult:
    """The same blocks with chrome cut out of every paragraph and cell; a paragraph that was
    only chrome goes."""
    meta = dict(read.meta)
    blocks: list[Paragraph | Grid] = []
    for block in read.blocks:
        if isinstance(block, Paragraph):
            text = clean_text(block.text, meta)
            if text == block.text:
                blocks.append(block)  # an empty paragraph stays: it may be an empty cell
            elif text.strip():
                blocks.append(Paragraph(text, block.ref))
            continue
        rows = [[_clean_cell(cell, meta) for cell in row] for row in block.rows]
        blocks.append(Grid(rows, block.ref, block.by_position))
    return ReadResult(read.format, blocks, read.warnings, meta)


def _clean_cell(cell, meta: dict[str, str]):
    text = clean_text(cell.text, meta)
    return cell if text == cell.text else replace(cell, text=text)
