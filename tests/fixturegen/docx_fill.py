"""Fill the official blank 2021 template (tests/real/template-2021-blank.docx) with one report.

The template keeps its merged cells, borders and grid widths, so the DOCX (and the PDF LibreOffice
makes from it) looks like the real thing. Layout variants are made by editing the template's own
rows: （六）其他处理 as one row, and the 2019 section 二 tables rebuilt from cloned rows.
"""
from __future__ import annotations

import copy
import io
import random
from functools import lru_cache
from typing import Any

import docx
from docx.oxml.ns import qn

from . import prose
from .spec import ALL_COLUMNS, TEMPLATE_2021, Key, Value, format_value, metric_ids
from .styles import LABEL_BREAKS, digits, label

W_P, W_R, W_T, W_BR, W_TC, W_TR = (qn(t) for t in ("w:p", "w:r", "w:t", "w:br", "w:tc", "w:tr"))

# Section 二, 2021: template row index -> metric ids of its value cells.
PROACTIVE_2021 = {
    2: ("proactive.rules.issued", "proactive.rules.repealed", "proactive.rules.in_force"),
    3: ("proactive.normative_docs.issued", "proactive.normative_docs.repealed", "proactive.normative_docs.in_force"),
    6: ("proactive.licensing.decisions",),
    9: ("proactive.penalties.decisions",),
    10: ("proactive.enforcement.decisions",),
    13: ("proactive.fees.amount",),
}

# Section 二, 2019 (国办公开办函〔2019〕60号): rows rebuilt on the template's 4-column grid.
# ("head", text) is a shaded item row; ("row", [(text or metric id, span), ...]) a plain row.
PROACTIVE_2019 = [
    ("head", "第二十条第（一）项"),
    ("row", [("信息内容", 1), ("本年新制作数量", 1), ("本年新公开数量", 1), ("对外公开总数量", 1)]),
    ("row", [("规章", 1), ("=proactive.rules.newly_made", 1), ("=proactive.rules.newly_published", 1), ("=proactive.rules.published_total", 1)]),
    ("row", [("规范性文件", 1), ("=proactive.normative_docs.newly_made", 1), ("=proactive.normative_docs.newly_published", 1), ("=proactive.normative_docs.published_total", 1)]),
    ("head", "第二十条第（五）项"),
    ("row", [("信息内容", 1), ("上一年项目数量", 1), ("本年增/减", 1), ("处理决定数量", 1)]),
    ("row", [("行政许可", 1), ("=proactive.licensing.items_prev_year", 1), ("=proactive.licensing.items_change", 1), ("=proactive.licensing.decisions", 1)]),
    ("row", [("其他对外管理服务事项", 1), ("=proactive.other_services.items_prev_year", 1), ("=proactive.other_services.items_change", 1), ("=proactive.other_services.decisions", 1)]),
    ("head", "第二十条第（六）项"),
    ("row", [("信息内容", 1), ("上一年项目数量", 1), ("本年增/减", 1), ("处理决定数量", 1)]),
    ("row", [("行政处罚", 1), ("=proactive.penalties.items_prev_year", 1), ("=proactive.penalties.items_change", 1), ("=proactive.penalties.decisions", 1)]),
    ("row", [("行政强制", 1), ("=proactive.enforcement.items_prev_year", 1), ("=proactive.enforcement.items_change", 1), ("=proactive.enforcement.decisions", 1)]),
    ("head", "第二十条第（八）项"),
    ("row", [("信息内容", 1), ("上一年项目数量", 1), ("本年增/减", 2)]),
    ("row", [("行政事业性收费", 1), ("=proactive.fees.items_prev_year", 1), ("=proactive.fees.items_change", 2)]),
    ("head", "第二十条第（九）项"),
    ("row", [("信息内容", 1), ("采购项目数量", 1), ("采购总金额（单位：万元）", 2)]),
    ("row", [("政府集中采购", 1), ("=proactive.procurement.items", 1), ("=proactive.procurement.amount", 2)]),
]

APPEALS_ORDER = tuple(
    f"{g}.{p}"
    for g in ("appeals.review", "appeals.litigation_direct", "appeals.litigation_after_review")
    for p in ("upheld", "corrected", "other", "pending", "total")
)


@lru_cache(maxsize=1)
def _template_bytes() -> bytes:
    return TEMPLATE_2021.read_bytes()


def tc_text(tc) -> str:
    parts = []
    for p in tc.iter(W_P):
        if parts:
            parts.append("\n")
        for el in p.iter(W_T, W_BR):
            parts.append("\n" if el.tag == W_BR else (el.text or ""))
    return "".join(parts)


def _run(text: str, font: str, size: int, bold: bool = False):
    """A w:r element; "\n" in text becomes w:br (a manual line break inside a cell)."""
    r = docx.oxml.OxmlElement("w:r")
    rpr = docx.oxml.OxmlElement("w:rPr")
    fonts = docx.oxml.OxmlElement("w:rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font)
    fonts.set(qn("w:hint"), "eastAsia")
    rpr.append(fonts)
    if bold:
        rpr.append(docx.oxml.OxmlElement("w:b"))
    for tag in ("w:sz", "w:szCs"):
        sz = docx.oxml.OxmlElement(tag)
        sz.set(qn("w:val"), str(size))
        rpr.append(sz)
    r.append(rpr)
    for i, piece in enumerate(text.split("\n")):
        if i:
            r.append(docx.oxml.OxmlElement("w:br"))
        t = docx.oxml.OxmlElement("w:t")
        t.text = piece
        t.set(qn("xml:space"), "preserve")
        r.append(t)
    return r


def set_tc_text(tc, text: str, font: str, size: int = 20, center: bool | None = None) -> None:
    paras = tc.findall(W_P)
    for extra in paras[1:]:
        tc.remove(extra)
    p = paras[0]
    for child in list(p):
        if child.tag != qn("w:pPr"):
            p.remove(child)
    if center is not None:
        ppr = p.find(qn("w:pPr"))
        if ppr is None:
            ppr = docx.oxml.OxmlElement("w:pPr")
            p.insert(0, ppr)
        jc = ppr.find(qn("w:jc"))
        if jc is None:
            jc = docx.oxml.OxmlElement("w:jc")
            rpr = ppr.find(qn("w:rPr"))
            if rpr is not None:
                rpr.addprevious(jc)
            else:
                ppr.append(jc)
        jc.set(qn("w:val"), "center" if center else "left")
    if text:
        p.append(_run(text, font, size))


def set_paragraph_text(p, text: str, font: str, size: int | None = None, bold: bool = False) -> None:
    for child in list(p):
        if child.tag != qn("w:pPr"):
            p.remove(child)
    if text:
        p.append(_run(text, font, size or 24, bold))


def _set_span(tc, span: int, width: int) -> None:
    tc.grid_span = span
    tcw = tc.tcPr.find(qn("w:tcW"))
    if tcw is not None:
        tcw.set(qn("w:w"), str(width))


def _clear_vmerge(tc) -> None:
    tcpr = tc.get_or_add_tcPr()
    vm = tcpr.find(qn("w:vMerge"))
    if vm is not None:
        tcpr.remove(vm)


def _grid_widths(tbl) -> list[int]:
    return [int(gc.get(qn("w:w"))) for gc in tbl.find(qn("w:tblGrid")).findall(qn("w:gridCol"))]


class Filler:
    """Builds one filled document; `printed` collects the values as they end up in cells."""

    def __init__(self, style: dict[str, Any], rng: random.Random):
        self.style = style
        self.rng = rng
        self.font = style["font"]
        self.document = docx.Document(io.BytesIO(_template_bytes()))
        self.body = self.document.element.body
        self.tables = self.body.findall(qn("w:tbl"))
        self.printed: dict[Key, Value] = {}

    # -- labels and values -------------------------------------------------------------------
    def _label(self, tc) -> None:
        text = tc_text(tc).strip()
        if not text:
            return
        printed = label(text, self.style)
        if self.style["label_breaks"]:
            printed = LABEL_BREAKS.get(printed, printed)
        if printed != text:
            set_tc_text(tc, printed, self.font)

    def _value(self, tc, key: Key, value: Value) -> None:
        blank = value is None
        self.printed[key] = None if blank else value
        set_tc_text(tc, "" if blank else digits(format_value(value), self.style), self.font, 20, center=True)

    def _blank_or(self, key: Key, value: Value, protected: set[Key]) -> Value:
        """Blank out some zero cells as the style asks (a blank is printed as an empty cell)."""
        if value != 0 or key in protected:
            return value
        mode = self.style["blanks"]
        if mode == "all_zero" or (mode == "some" and self.rng.random() < 0.3):
            return None
        return value

    # -- sections ----------------------------------------------------------------------------
    def fill_proactive(self, values: dict[Key, Value], version: str, protected: set[Key]) -> None:
        tbl = self.tables[0]
        trs = tbl.findall(W_TR)
        if version == "2021":
            for tr in trs:
                for tc in tr.findall(W_TC):
                    self._label(tc)
            for ri, mids in PROACTIVE_2021.items():
                tcs = trs[ri].findall(W_TC)
                for tc, mid in zip(tcs[1:], mids, strict=True):
                    key = (mid, "")
                    self._value(tc, key, self._blank_or(key, values[key], protected))
            return
        head_model, row_model = trs[0], trs[2]
        grid = _grid_widths(tbl)
        for tr in trs:
            tbl.remove(tr)
        for kind, spec in PROACTIVE_2019:
            if kind == "head":
                tr = copy.deepcopy(head_model)
                set_tc_text(tr.find(W_TC), label(spec, self.style), self.font)
                tbl.append(tr)
                continue
            tr = copy.deepcopy(row_model)
            tcs = tr.findall(W_TC)
            col = 0
            for i, (text, span) in enumerate(spec):
                tc = tcs[i]
                _set_span(tc, span, sum(grid[col : col + span]))
                col += span
                if text.startswith("="):
                    key = (text[1:], "")
                    self._value(tc, key, self._blank_or(key, values[key], protected))
                else:
                    set_tc_text(tc, label(text, self.style), self.font, center=i > 0 or spec[0][0] == "信息内容")
            for extra in tcs[len(spec):]:
                tr.remove(extra)
            tbl.append(tr)

    def fill_requests(self, values: dict[Key, Value], version: str, protected: set[Key]) -> None:
        tbl = self.tables[1]
        trs = tbl.findall(W_TR)
        if self.style["other_one_row"]:
            first = trs[23].findall(W_TC)
            _clear_vmerge(first[1])
            if self.style["other_row_form"] == "span":
                _set_span(first[1], 2, sum(_grid_widths(tbl)[1:3]))
                trs[23].remove(first[2])
            else:
                set_tc_text(first[2], "", self.font)
            for tr in trs[24:26]:
                tbl.remove(tr)
            trs = tbl.findall(W_TR)
        mids = [m for m in metric_ids(version, self.style["other_one_row"]) if m.startswith("requests.")]
        data_rows = trs[3:]
        assert len(data_rows) == len(mids), (len(data_rows), len(mids))
        for tr in trs:
            tcs = tr.findall(W_TC)
            label_tcs = tcs[:-7] if tr in data_rows else tcs
            for tc in label_tcs:
                self._label(tc)
        if self.style["other_one_row"]:
            tc = trs[23].findall(W_TC)[1]
            set_tc_text(tc, label("（六）其他处理", self.style), self.font)
        for tr, mid in zip(data_rows, mids, strict=True):
            for tc, col in zip(tr.findall(W_TC)[-7:], ALL_COLUMNS, strict=True):
                key = (mid, col)
                self._value(tc, key, self._blank_or(key, values[key], protected))

    def fill_appeals(self, values: dict[Key, Value], protected: set[Key]) -> None:
        trs = self.tables[2].findall(W_TR)
        for tr in trs[:3]:
            for tc in tr.findall(W_TC):
                self._label(tc)
        for tc, mid in zip(trs[3].findall(W_TC), APPEALS_ORDER, strict=True):
            key = (mid, "")
            self._value(tc, key, self._blank_or(key, values[key], protected))

    # -- prose -------------------------------------------------------------------------------
    def _paragraphs(self) -> list:
        return [p for p in self.body.findall(W_P)]

    def _find(self, text: str):
        for p in self._paragraphs():
            if "".join(t.text or "" for t in p.iter(W_T)).strip() == text:
                return p
        raise LookupError(f"template paragraph {text!r} not found")

    def _replace_with(self, anchor, lines: list[str]) -> None:
        """Put lines where the anchor paragraph (a placeholder) is, keeping its formatting."""
        for line in lines:
            p = copy.deepcopy(anchor)
            set_paragraph_text(p, line, self.font)
            anchor.addprevious(p)
        anchor.getparent().remove(anchor)

    def fill_prose(self, unit: str, township: str, year: int, version: str, received: int) -> None:
        rng, style = self.rng, self.style
        title = self._find("政府信息公开工作年度报告格式模板")
        set_paragraph_text(title, prose.title(unit, year), self.font, 36, bold=True)
        body_model = self._find("（文字描述）")
        after_title = title
        for line in prose.preamble(rng, unit, year, version):
            p = copy.deepcopy(body_model)
            set_paragraph_text(p, line, self.font)
            after_title.addnext(p)
            after_title = p
        self._replace_with(body_model, prose.overview(rng, style, township, year, received))
        self._replace_with(self._find("（文字描述）"), prose.problems(rng, year, township))
        self._replace_with(self._find("（文字描述，收取信息处理费情况在此处报告。）"), prose.other_matters(rng, year, township))
        for heading in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
            set_paragraph_text(self._find(heading), heading, self.font, bold=True)

    def add_page_numbers(self) -> None:
        """A centred "- N -" footer, as most published reports have (PDF readers must drop it)."""
        footer = self.document.sections[0].footer
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = 1  # centre
        p._p.append(_run("- ", self.font, 18))
        fld = docx.oxml.OxmlElement("w:fldSimple")
        fld.set(qn("w:instr"), "PAGE")
        fld.append(_run("1", self.font, 18))
        p._p.append(fld)
        p._p.append(_run(" -", self.font, 18))

    def apply_font(self) -> None:
        """Make every run of the document use the chosen CJK font."""
        for f in self.body.iter(qn("w:rFonts")):
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                f.set(qn(attr), self.font)


def tables_as_paragraphs(document, form: str, font: str) -> None:
    """Replace every table by paragraphs, as a user pasting a table as text does: one paragraph
    per row with a tab between cells (Word's 表格转换成文本), or one per cell (an empty cell
    an empty paragraph). A merged cell prints once, at its first row; labels print on one line."""
    body = document.element.body
    for tbl in body.findall(qn("w:tbl")):
        texts_by_row = []
        for tr in tbl.findall(W_TR):
            cells = [tc for tc in tr.findall(W_TC) if tc.vMerge != "continue"]
            texts_by_row.append([tc_text(tc).replace("\n", "").strip() for tc in cells])
        for texts in texts_by_row:
            for line in (["\t".join(texts)] if form == "tab_rows" else texts):
                p = docx.oxml.OxmlElement("w:p")
                for i, part in enumerate(line.split("\t")):
                    if i:
                        r = docx.oxml.OxmlElement("w:r")
                        r.append(docx.oxml.OxmlElement("w:tab"))
                        p.append(r)
                    if part:
                        p.append(_run(part, font, 20))
                tbl.addprevious(p)
        body.remove(tbl)


def build_docx(
    values: dict[Key, Value],
    style: dict[str, Any],
    rng: random.Random,
    unit: str,
    township: str,
    year: int,
    version: str,
    protected: set[Key] = frozenset(),
) -> tuple[Any, dict[Key, Value]]:
    """Returns the python-docx Document and the values as printed (None where left blank)."""
    f = Filler(style, rng)
    f.fill_proactive(values, version, protected)
    f.fill_requests(values, version, protected)
    f.fill_appeals(values, protected)
    received = int(values[("requests.received", "total")] or 0)
    f.fill_prose(unit, township, year, version, received)
    if style["page_numbers"]:
        f.add_page_numbers()
    if style["docx_tables"] != "table":
        tables_as_paragraphs(f.document, style["docx_tables"], f.font)
    f.apply_font()
    return f.document, f.printed
