"""Check results, notes and cell positions in Chinese, for the workbook and the brief.

The warehouse keeps check details and notes in English (the long CSV and the analysts' views
keep them so). Offices read Chinese: the phrases and templates are data, in
data/export/check_phrases_zh.csv. A check detail is rebuilt from the check's own columns
(result, reported, expected, applicant) with the template for its outcome and rule; the
English text is only searched for the terms that were not reported and for known hints. A note
is translated by the first pattern that matches it, else by a plain sentence for its action.
"""
from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import cache

from pandas import NA

from gongkai.paths import DATA

PHRASES = DATA / "export" / "check_phrases_zh.csv"
TERM = re.compile(r"(?:(?P<year>\d{4}) )?(?P<name>[a-z_][\w.]*) \((?P<semantic>[a-z_]+)(?:, document (?P<document>\w+))?\)")
NOTE_FALLBACK = {
    "filled": "报告漏印的格子已由勾稽关系推定补全（英文原文见仓库的备注视图）",
    "left_null": "这一格无法确定，保留为空（英文原文见仓库的备注视图）",
    "info": "读取时的提示（英文原文见仓库的备注视图）",
}


@dataclass(frozen=True)
class Phrases:
    outcome: dict[str, str]
    detail: dict[str, str]
    hints: tuple[tuple[str, str], ...]
    semantic: dict[str, str]
    action: dict[str, str]
    notes: tuple[tuple[re.Pattern, str], ...]
    refs: tuple[tuple[re.Pattern, str], ...]


@cache
def phrases() -> Phrases:
    groups: dict[str, list[tuple[str, str]]] = {}
    with open(PHRASES, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            groups.setdefault(row["kind"], []).append((row["key"], row["zh"]))
    return Phrases(dict(groups["outcome"]), dict(groups["detail"]), tuple(groups["hint"]), dict(groups["semantic"]),
                   dict(groups["action"]), tuple((re.compile(k), v) for k, v in groups["note"]),
                   tuple((re.compile(k), v) for k, v in groups["ref"]))


def outcome(passed: bool | None) -> str:
    return phrases().outcome[_outcome_key(passed)]


def _outcome_key(passed) -> str:
    if passed is None or passed is NA or (isinstance(passed, float) and math.isnan(passed)):  # NA: a nullable boolean column
        return "not_evaluable"
    return "passed" if passed else "failed"


def number(value) -> str:
    """12 for a whole number, 1.5 otherwise, — for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def signed(value) -> str:
    return "—" if number(value) == "—" else ("+" if value > 0 else "") + number(value)


def _term(match: re.Match, labels: dict[str, str]) -> str:
    name = labels.get(match["name"], match["name"])
    semantic = phrases().semantic.get(match["semantic"], match["semantic"])
    year = f"{match['year']}年报告的" if match["year"] else ""
    return f"{year}{name}（{semantic}）"


def check_detail(check_id: str, passed, reported, expected, applicant_zh: str | None, description: str,
                 detail_en: str | None, labels: dict[str, str]) -> str:
    """The Chinese sentence for one check result; labels maps metric and applicant ids to their Chinese labels."""
    key = _outcome_key(passed)
    templates = phrases().detail
    template = templates.get(f"{key}:{check_id}") or templates[f"{key}:*"]
    cells = "、".join(_term(m, labels) for m in TERM.finditer(detail_en or "")) if key == "not_evaluable" else ""
    difference = (reported - expected) if reported is not None and expected is not None else None
    text = template.format(description=description, reported=number(reported), expected=number(expected),
                           difference=signed(difference), applicant_zh=applicant_zh or "总计", cells=cells or "相关格子")
    for english, chinese in phrases().hints:
        if detail_en and english in detail_en and key != "not_evaluable":
            text += chinese
    return text


def note(action: str, reason: str) -> str:
    """A note in Chinese: the first matching pattern of the phrases file, else a sentence for the action."""
    for pattern, template in phrases().notes:
        match = pattern.fullmatch(reason or "")
        if match:
            return template.format(**{k: (source_ref(v) if k == "ref" else v) for k, v in match.groupdict().items()})
    return NOTE_FALLBACK.get(action, NOTE_FALLBACK["info"])


def action(name: str) -> str:
    return phrases().action.get(name, name)


def source_ref(ref: str | None) -> str | None:
    """`line 41 cell 3` -> 第 41 行 第 3 格, `p3/t1/r5/c2` -> 第 3 页 表 1 第 5 行 第 2 列; an unknown piece stays as it is."""
    if not ref:
        return ref
    pieces = []
    for piece in re.split(r"(?<=\d) (?=[a-z])|/", ref.strip()):
        for pattern, template in phrases().refs:
            match = pattern.fullmatch(piece)
            if match:
                pieces.append(template.format(*match.groups()))
                break
        else:
            pieces.append(piece)
    return " ".join(pieces)
