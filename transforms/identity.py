"""Which unit and which year a report is about, from its title or its statistical-period sentence.

The title comes, in this order, from the page or archive header (标题: …, kept in ReadResult.meta
after chrome is cut), from a short line that names the report, from a unit + year + report words
span inside a long line (one-line crawler saves, where the title runs into the body), from a
phrase standing alone between spaces, or from the sentence that announces the report
(现公布《…年度报告》 / 我局编制了…年度报告).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from transforms.chrome import rules as chrome_rules
from transforms.labels import collapse
from transforms.regions import Resolution, gazetteer

REPORT_WORDS = r"(?:年度报告|年报|工作报告|情况报告)"
TITLE_MARK = re.compile(r"政府信息公开.{0,6}?" + REPORT_WORDS)
TITLE_YEAR = re.compile(r"((?:19|20)\d{2})年度?")
PERIOD_YEAR = re.compile(r"(?:统计期限|统计年限|统计时限|统计周期|数据统计)[^。]{0,20}?((?:19|20)\d{2})年0?1月0?1日")
PERIOD_FALLBACK = re.compile(r"自((?:19|20)\d{2})年0?1月0?1日(?:起)?至\1年12月31日")
MARKDOWN = re.compile(r"^[#>*\s]+")
NOTICE_PREFIX = re.compile(r"^关于(?:公布|印发|发布|公开)?")
ANNOUNCED = re.compile(
    r"(?:公布|发布|印发|编制了?|形成了?)《?([^《》“”\"。，,；;：:\s]{0,40}?政府信息公开[^《》\s。，]{0,6}?" + REPORT_WORDS + r")")
NAME_CHAR = r"[\u4e00-\u9fff（）()·]"
# A unit's name (a run of name characters, cut by a space, punctuation, a digit or the line start,
# i.e. where chrome was cut), its year, the report words: the title inside a one-line page.
INLINE_TITLE = re.compile(
    rf"(?<!{NAME_CHAR})(?P<unit>{NAME_CHAR}{{2,60}}?)\s*(?P<year>(?:19|20)\d{{2}})\s*年\s*度?\s*"
    r"(?P<mark>政府信息公开.{0,6}?" + REPORT_WORDS + ")")
MAX_UNIT_CHARS = 30
TITLE_SEARCH_LINES = 12
HEAD_CHARS = 3000  # the title and the announcing sentence stand at the start, whatever the line lengths
MAX_TITLE_CHARS = 60
HEADER_TITLE_KEYS = ("标题", "题目", "文章标题")


@dataclass
class DocumentIdentity:
    title: str | None
    unit: str | None
    year: int | None
    year_source: str | None
    region: Resolution


def find_title(lines: list[str], meta: dict[str, str] | None = None) -> str | None:
    """The report's title: header field, short line, standalone phrase, announcing sentence."""
    for key in HEADER_TITLE_KEYS:
        found = TITLE_MARK.search(collapse((meta or {}).get(key, "")))
        if found:
            return collapse(meta[key])[: found.end()]
    head = "\n".join(lines)[:HEAD_CHARS]
    for search in (_title_line, _inline_title, _standalone_title, _announced_title):
        title = search(lines if search is _title_line else head)
        if title:
            return title
    return None


def _title_line(lines: list[str]) -> str | None:
    """The first line naming the report; PDFs and Word wrap long titles, so a line may be joined
    with the line after it (and with the unit on the line before it)."""
    cleaned = [MARKDOWN.sub("", collapse(line)) for line in lines if line.strip()][:TITLE_SEARCH_LINES]
    for i, line in enumerate(cleaned):
        if len(line) > MAX_TITLE_CHARS or "《" in line:
            continue
        joined = line + (cleaned[i + 1] if i + 1 < len(cleaned) and len(cleaned[i + 1]) <= MAX_TITLE_CHARS else "")
        found = TITLE_MARK.search(line) or TITLE_MARK.search(joined)
        if not found:
            continue
        title = (line if TITLE_MARK.search(line) else joined)[: found.end()]
        if TITLE_YEAR.match(title) and i > 0 and len(cleaned[i - 1]) <= 30:
            title = cleaned[i - 1] + title
        return title
    return None


def _inline_title(head: str) -> str | None:
    """The first unit + year + report words span of a long line, where the title runs into the body
    (`…年报 东湖区人民政府2019年政府信息公开工作年度报告本报告根据…`): the span ends at the report
    words and starts after the last breadcrumb column word glued before it (chrome.csv
    `title_lead`). Taken only when the unit starts with a division or zone name, so prose or
    chrome before a title never becomes the unit; otherwise the later sources decide."""
    lead = chrome_rules().title_lead
    for found in INLINE_TITLE.finditer(head):
        unit = found.group("unit")
        leads = list(lead.finditer(unit)) if lead else []
        if leads:
            unit = unit[leads[-1].end():]
        unit = NOTICE_PREFIX.sub("", unit)
        if len(unit) <= MAX_UNIT_CHARS and _starts_with_place(unit):
            return collapse(unit + head[found.start("year"): found.end()])
    return None


def _starts_with_place(unit: str) -> bool:
    """平潭综合实验区…, 南江县卫生健康局, 鄂伦春自治旗吉文镇: a unit's name begins with its place."""
    places = gazetteer()
    if any(unit.startswith(alias.name) for alias in places.aliases):
        return True
    return any(start == 0 for start, _, _ in places.find_names(unit[:MAX_UNIT_CHARS]))


def _standalone_title(head: str) -> str | None:
    """A title printed between spaces inside a long line (a crawler saved the page on one line).
    A title with a space between unit and year (某局 2019年…报告) takes the word before it."""
    words = [w.strip("。，,；;：:") for w in head.split()]
    for i, word in enumerate(words):
        found = TITLE_MARK.search(word)
        if not found or found.end() != len(word) or len(word) > MAX_TITLE_CHARS or not TITLE_YEAR.search(word):
            continue
        if "《" in word or "》" in word:
            continue
        before = words[i - 1] if i > 0 else ""
        if TITLE_YEAR.match(word) and before and len(before) <= 30 and not re.search(r"[\d:：《》]", before):
            word = before + word
        return collapse(word)
    return None


def _announced_title(head: str) -> str | None:
    """特向社会公布《…年度报告》 / 我局编制了2021年度政府信息公开年度报告."""
    for found in ANNOUNCED.finditer(head):
        if TITLE_YEAR.search(found.group(1)):
            return collapse(found.group(1))
    return None


def find_year(title: str | None, text: str) -> tuple[int | None, str | None]:
    if title:
        found = TITLE_YEAR.search(title)
        if found:
            return int(found.group(1)), "title"
    flat = collapse(text)
    for pattern in (PERIOD_YEAR, PERIOD_FALLBACK):
        found = pattern.search(flat)
        if found:
            return int(found.group(1)), "statistical period"
    return None, None


def unit_from_title(title: str | None) -> str | None:
    if not title:
        return None
    found = TITLE_YEAR.search(title)
    unit = title[: found.start()] if found else TITLE_MARK.split(title)[0]
    unit = NOTICE_PREFIX.sub("", unit).strip("的 ")
    return unit or None


def identify(lines: list[str], text: str, scope_code: str | None = None, meta: dict[str, str] | None = None) -> DocumentIdentity:
    title = find_title(lines, meta)
    year, year_source = find_year(title, text)
    unit = unit_from_title(title)
    region = gazetteer().resolve(unit, text, scope_code) if unit else gazetteer().resolve("", text, scope_code)
    return DocumentIdentity(title, _display_unit(unit, region), year, year_source, region)


def _display_unit(unit: str | None, region: Resolution) -> str | None:
    """湘潭县易俗河镇 is the township 易俗河镇: drop a county prefix when what remains is the division itself."""
    if not unit or region.region_code is None:
        return unit
    division = gazetteer().by_code[region.region_code]
    for parent in gazetteer().parents(region.region_code):
        prefix = gazetteer().by_code[parent].name
        if unit.startswith(prefix) and unit[len(prefix):] == division.name:
            return division.name
    return unit
