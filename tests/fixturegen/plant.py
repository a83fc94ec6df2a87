"""Edits of generated TEXT reports that plant what the annual assessment must find.

Each edit changes the report the way offices see it happen: a page header with 发布时间 (late or
on time), a signature date, narrative copied from last year's report or a neighbour's, tables
copied from an earlier year, a 现行有效 count that breaks the stock rule, a section left out.
The truth file is kept in step with every edit of a number.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")
NARRATIVE = ("一", "五", "六")
TABLES = ("二", "三", "四")


def split(text: str) -> dict[str, list[str]]:
    """The report as 'head' (title, preamble) and its six sections, each with its heading line."""
    parts: dict[str, list[str]] = {"head": []}
    current = "head"
    for line in text.split("\n"):
        if line.strip() in HEADINGS:
            current = line.strip()[0]
            parts[current] = []
        parts[current].append(line)
    return parts


def join(parts: dict[str, list[str]]) -> str:
    return "\n".join(line for key in ("head", *"一二三四五六") for line in parts.get(key, []))


def with_header(text: str, unit: str, when: str) -> str:
    """A portal page's 来源/发布时间 line under the title, as archived text copies keep it."""
    lines = text.split("\n")
    return "\n".join([lines[0], f"来源：{unit}  发布时间：{when}", *lines[1:]])


def with_signature(text: str, unit: str, signed: str) -> str:
    return text.rstrip("\n") + f"\n{unit}\n{signed}\n"


def copy_parts(text: str, donor: str, keys: tuple[str, ...], replace: dict[str, str] | None = None) -> str:
    """text with the sections `keys` taken from donor (after replacing names and years in them)."""
    mine, theirs = split(text), split(donor)
    for key in keys:
        lines = theirs[key]
        for old, new in (replace or {}).items():
            lines = [line.replace(old, new) for line in lines]
        mine[key] = lines
    return join(mine)


def drop_section(text: str, key: str) -> str:
    parts = split(text)
    parts.pop(key)
    return join(parts)


def set_last_cell(text: str, section: str, labels: tuple[str, ...], value: int) -> tuple[str, int]:
    """Set the last number of the first row of `section` whose label is one of labels; returns the old one."""
    parts = split(text)
    for i, line in enumerate(parts[section]):
        cells = line.split("\t")
        if cells[0].strip() in labels and len(cells) > 1:
            old = int(cells[-1])
            cells[-1] = str(value)
            parts[section][i] = "\t".join(cells)
            return join(parts), old
    raise LookupError(f"no row {labels} in section {section}")


def set_truth(path: Path, metric_id: str, applicant: str, value: int) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0])
    hit = [r for r in rows if r["metric_id"] == metric_id and (r["applicant"] or "") == applicant]
    assert len(hit) == 1, (path, metric_id, applicant)
    hit[0]["value"] = str(value)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        writer.writeheader()
        writer.writerows(rows)


BUMPED_ROWS = ((r"本年新收政府信息公开申请数量", "requests.received"), (r"[（(]一[)）]\s*予以公开", "requests.granted"),
               (r"[（(]七[)）]\s*总计", "requests.outcomes_total"))


def bump_requests(text: str, extra: int) -> tuple[str, dict[tuple[str, str], int]]:
    """`extra` more requests from natural persons, all granted: 新收, 予以公开 and 总计 grow in the 自然人 and
    总计 columns (every identity still holds), and so does the count 一、总体情况 quotes. Returns the new
    text and the new values by (metric_id, applicant)."""
    parts = split(text)
    changed: dict[tuple[str, str], int] = {}
    for label, metric in BUMPED_ROWS:
        i = next(i for i, line in enumerate(parts["三"]) if re.search(label, line))
        cells = parts["三"][i].split("\t")
        for position, applicant in ((-7, "natural_person"), (-1, "total")):
            cells[position] = str(int(cells[position]) + extra)
            changed[(metric, applicant)] = int(cells[position])
        parts["三"][i] = "\t".join(cells)
    received = changed[("requests.received", "total")]
    parts["一"] = [line.replace(f"共收到政府信息公开申请{received - extra}件", f"共收到政府信息公开申请{received}件") for line in parts["一"]]
    return join(parts), changed
