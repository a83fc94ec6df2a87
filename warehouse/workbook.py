"""The workbook a provincial office opens: built on purpose with XlsxWriter, not with to_excel defaults.

Sheet 1 is the summary of the province and year (key figures with a one-line explanation each,
the tables behind four native Excel charts). Then one sheet per table, built by the functions of
SHEET_BUILDERS, in order (an extension point: another module appends its builder, e.g. 考核),
and last the dictionary of every column of every sheet. Every sheet has a title row, Chinese
headers with the column ids in a second header row, a frozen header, an autofilter, widths that
fit CJK text, number formats by kind (counts, 0.0% shares, 2-decimal 万元), and a print setup
(A4 landscape, fit to width, header rows repeated). Check results and notes are in Chinese
(warehouse/zh.py); the English wording stays in the CSVs.
"""
from __future__ import annotations

import math
import numbers
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import xlsxwriter

from warehouse import registry, zh
from warehouse.figures import OUTCOME_SHARES, Figures, format_key, metric_labels, scope_figures
from warehouse.scope import UNKNOWN_PROVINCE, Region

HEADER_ROWS = 3  # title, Chinese headers, ids
EXPLANATION_SPAN = 12  # summary columns the one-line explanation of a key figure spans
MAX_WIDTH = 40  # wider text wraps
HEADER_WRAP = 16  # a header wider than this wraps
PAGE_WIDTH = 200  # character widths that print on one A4 landscape page before the text gets too small
EXCEL_MAX_ROWS = 1_048_576
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER_FORMATS = {"count": "#,##0", "share": "0.0%", "amount": "#,##0.00", "rate": "0.00", "year": "0"}
KIND_ZH = {"count": "整数（件、个、项）", "share": "比例（0.0%）", "amount": "金额（万元，两位小数）", "rate": "每百件（两位小数）",
           "year": "年份", "code": "编号（文本）", "text": "文字"}
CODES = {"document_id", "region_code", "county_code", "city_code", "province_code", "check_id", "metric_id", "applicant",
         "unit_key", "template_version", "figure_id"}
# Headers of the columns the workbook adds to the marts' (the marts' own come from the exports' maps)
HEADERS = {
    "label_zh": "指标名称", "applicant_zh": "申请人类型", "value": "数值", "value_semantic_zh": "值类型",
    "source_ref_zh": "原文位置", "result": "结果", "detail_zh": "说明", "difference": "相差", "unit_type_zh": "单位类型",
    "action_zh": "处理", "note_zh": "说明", "level_zh": "层级", "figure_label": "指标", "figure_value": "数值",
    "explanation": "说明", "coverage_share": "乡镇报送率", "sheet": "工作表", "header": "表头", "column": "列编号",
    "kind": "格式", "description": "说明", "reported": "报告数", "expected": "分项合计", "metric_unit": "计量单位",
}
HEADERS_DESCRIPTION = {
    "figure_label": "关键指标", "figure_value": "该指标的数值", "explanation": "一句话说明该指标计了什么、没计什么",
    "figure_id": "关键指标编号", "check_id": "勾稽检查规则的编号（规则说明见同一行或“数据质量”）", "coverage_share": "已报送乡镇数 ÷ 乡镇总数", "difference": "报告数 − 分项合计",
    "detail_zh": "检查结果的中文说明", "source_ref_zh": "数字在原文件中的位置", "action_zh": "推定补全、保留为空或提示",
    "note_zh": "备注的中文说明", "sheet": "工作表名称", "header": "该列的中文表头", "column": "该列的编号（第二行表头）",
    "kind": "该列的数字格式", "value_semantic_zh": "格子印了什么：数值、零、空白、不适用、推定、缺失、文字",
    "result": "通过、不通过或无法判断（相关格子空白或缺失）", "label_zh": "模板中的指标名称", "applicant_zh": "申请人类型",
    "unit_type_zh": "乡镇（街道）、县级政府、地市级政府、省级政府或部门", "value": "报告中的数字（空白不是零）",
}


@dataclass
class Column:
    """One column of a sheet: its id (second header row), Chinese header, number kind and description."""

    id: str
    header: str
    kind: str
    description: str = ""


@dataclass
class Sheet:
    """A table sheet: a title line, columns, rows; freeze_columns are kept in view when scrolling right."""

    name: str
    title: str
    columns: list[Column]
    frame: pd.DataFrame
    freeze_columns: int = 0
    header_wrap: int = 16  # display width after which a header wraps (up to six lines)


@dataclass
class Context:
    """What the sheet builders read: the open warehouse, the scope, the export's frames (columns named by id)."""

    con: duckdb.DuckDBPyConnection
    province: str
    year: int
    frames: dict[str, pd.DataFrame]
    wide_labels: dict[str, str]
    where: str = ""
    params: list = field(default_factory=list)
    _figures: Figures | None = None
    _region: Region | None = None

    def region(self) -> Region | None:
        if self._region is None and self.province != UNKNOWN_PROVINCE:
            row = self.con.execute("SELECT region_code, province FROM mart_region_year WHERE level = 'province' AND province = ? "
                                   "AND year = ? LIMIT 1", [self.province, self.year]).fetchone()
            if row:
                self._region = Region("province", row[0], row[1], row[1])
        return self._region

    def figures(self) -> Figures | None:
        if self._figures is None and self.region() is not None:
            self._figures = scope_figures(self.con, self.region(), self.year)
        return self._figures


SheetBuilder = Callable[[Context], "Sheet | None"]


# -- columns -------------------------------------------------------------------------------------

def _strip_id(glued: str) -> str:
    """The exports' CSV headers carry the id in brackets; the workbook shows it in its own row."""
    return glued.rsplit("(", 1)[0].strip() if glued.endswith(")") else glued


def _csv_headers() -> dict[str, str]:
    from warehouse.export import CHECK_COLUMNS, ID_COLUMNS, LONG_COLUMNS, MART_COLUMNS

    return {k: _strip_id(v) for k, v in {**ID_COLUMNS, **LONG_COLUMNS, **CHECK_COLUMNS, **MART_COLUMNS}.items()}


def _kind(column_id: str, series: pd.Series | None, unit: str | None = None) -> str:
    if column_id in CODES:
        return "code"
    if column_id.startswith("share_") or column_id == "coverage_share":
        return "share"
    if "_per_100_" in column_id:
        return "rate"
    if column_id == "year":
        return "year"
    if unit and "万元" in unit:
        return "amount"
    if series is not None and pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return "count"
    return "text"


def columns_for(frame: pd.DataFrame, ids: list[str], con: duckdb.DuckDBPyConnection | None = None,
                headers: dict[str, str] | None = None) -> list[Column]:
    """Column specs from the registry (descriptions, units) and the exports' headers."""
    known = {**_csv_headers(), **HEADERS, **(headers or {})}
    measures = dict(con.execute("SELECT DISTINCT measure, label_zh FROM mart_measures").fetchall()) if con else {}
    out = []
    for column_id in ids:
        described = registry.describe(column_id)
        header = known.get(column_id) or measures.get(column_id) or (described.zh if described else column_id)
        description = HEADERS_DESCRIPTION.get(column_id) or (described.zh if described else header)
        unit = described.unit if described else None
        out.append(Column(column_id, header, _kind(column_id, frame[column_id] if column_id in frame else None, unit), description))
    return out


# -- sheet builders ------------------------------------------------------------------------------

def _mart_sheet(name: str, title: str, key: str, drop: tuple[str, ...] = ("level",), freeze: int = 0) -> SheetBuilder:
    def build(ctx: Context) -> Sheet:
        frame = ctx.frames[key].drop(columns=[c for c in drop if c in ctx.frames[key]])
        return Sheet(name, title.format(province=ctx.province, year=ctx.year), columns_for(frame, list(frame.columns), ctx.con),
                     frame, freeze_columns=freeze)
    return build


def checks_sheet(ctx: Context) -> Sheet:
    checks = ctx.frames["checks"]
    frame = checks[checks["passed"].ne(True)].copy()  # the CSV holds the passed ones too
    labels = metric_labels(ctx.con)
    frame["label_zh"] = frame["metric_id"].map(labels)
    frame["applicant_zh"] = frame["applicant"].map(labels)
    frame["difference"] = frame["reported"] - frame["expected"]
    frame["detail_zh"] = [zh.check_detail(r.check_id, None if pd.isna(r.passed) else bool(r.passed), _num(r.reported),
                                          _num(r.expected), r.applicant_zh if isinstance(r.applicant_zh, str) else None,
                                          r.description, r.detail, labels) for r in frame.itertuples()]
    ids = ["unit", "region_code", "check_id", "description", "label_zh", "applicant_zh", "result", "reported", "expected",
           "difference", "detail_zh", "document_id"]
    passed = int(checks["passed"].eq(True).sum())
    return Sheet("勾稽检查", f"{ctx.province} {ctx.year}年 未通过和无法判断的勾稽检查（另有 {passed} 项通过，见勾稽检查.csv；不通过只记录问题，不改动数字）",
                 columns_for(frame, ids, ctx.con), frame[ids], freeze_columns=1)


def notes_sheet(ctx: Context) -> Sheet:
    frame = ctx.con.execute(f"""
        SELECT d.unit, n.metric_id, m.label_zh, a.label_zh AS applicant_zh, n.action, n.reason, d.document_id
        FROM fact_note n JOIN dim_document d USING (document_id)
        LEFT JOIN dim_metric m USING (metric_id) LEFT JOIN dim_applicant a ON a.applicant = n.applicant
        WHERE {ctx.where} ORDER BY d.unit, d.document_id, m.sort_order NULLS FIRST
    """, ctx.params).df()
    frame["action_zh"] = frame["action"].map(zh.action)
    frame["note_zh"] = [zh.note(a, r) for a, r in zip(frame["action"], frame["reason"])]
    ids = ["unit", "label_zh", "applicant_zh", "action_zh", "note_zh", "metric_id", "document_id"]
    return Sheet("备注", f"{ctx.province} {ctx.year}年 读取备注（推定补全或保留为空的格子及原因）", columns_for(frame, ids, ctx.con),
                 frame[ids], freeze_columns=1)


def wide_sheet(ctx: Context) -> Sheet:
    frame = ctx.frames["wide"].copy()
    frame["unit_type_zh"] = frame["unit_type"].map({"township": "乡镇（街道）", "county": "县级政府", "city": "地市级政府",
                                                    "province": "省级政府", "department": "部门"})
    ids = ["unit", "county", "unit_type_zh", *ctx.wide_labels, "region_code", "document_id", "template_version"]
    amounts = {m for (m,) in ctx.con.execute("SELECT metric_id FROM dim_metric WHERE unit = '万元'").fetchall()}
    columns = columns_for(frame, [i for i in ids if i not in ctx.wide_labels], ctx.con)
    cells = [Column(c, label, "amount" if c.split("/")[0] in amounts else "count", f"报告中的“{label}”")
             for c, label in ctx.wide_labels.items()]
    columns = columns[:3] + cells + columns[3:]
    return Sheet("单位年度宽表", f"{ctx.province} {ctx.year}年 单位年度宽表（每个单位一行，模板的每个格子一列）", columns,
                 frame[[c.id for c in columns]], freeze_columns=1, header_wrap=10)


SHEET_BUILDERS: list[SheetBuilder] = [
    _mart_sheet("地区汇总", "{province} {year}年 省、地市、县区汇总（合计只加填报了该项的单位，空白不计为 0）", "rollups", freeze=3),
    _mart_sheet("地区比率", "{province} {year}年 办理结果占比与每百件申请的复议、诉讼数（分母为 0 或未填报时为空）", "rates", freeze=3),
    _mart_sheet("未报送乡镇", "{province} {year}年 未报送名单：已有报告的县区中本年度没有报告的乡镇（街道）", "coverage", freeze=2),
    _mart_sheet("数据质量", "{province} {year}年 数据质量：按地区和规则统计的检查结果", "quality", freeze=3),
    checks_sheet,
    notes_sheet,
    wide_sheet,
]
"""The table sheets after the summary, in order. Append a builder (ctx -> Sheet | None) to add a sheet."""


def _num(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


# -- writing -------------------------------------------------------------------------------------

def display_width(text: str) -> int:
    """Columns a text takes on screen: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cell_text(value, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if kind == "share":
        return f"{100 * value:.1f}%"
    if kind in ("count", "amount", "rate", "value") and isinstance(value, numbers.Number):
        return f"{value:,.2f}" if kind in ("amount", "rate") else (f"{value:,.0f}" if float(value).is_integer() else str(value))
    return str(value)


def _widths(columns: list[Column], frame: pd.DataFrame, header_wrap: int) -> list[float]:
    """Fit the longest value (CJK counts two); a long header wraps over up to four lines instead of widening."""
    widths = []
    sample = frame.head(2000)
    for i, column in enumerate(columns):
        values = [display_width(_cell_text(v, column.kind)) for v in sample.iloc[:, i]] if len(sample) else [0]
        header = min(display_width(column.header), header_wrap)
        widths.append(min(max(max(values, default=0), header, 6) + 2, MAX_WIDTH))
    return widths


class Writer:
    """Writes Sheets into one XlsxWriter workbook with the shared formats."""

    def __init__(self, path: Path) -> None:
        self.book = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": False, "strings_to_formulas": False,
                                                     "strings_to_urls": False, "strings_to_numbers": False})
        font = {"font_name": "等线", "font_size": 10}
        self.title = self.book.add_format({**font, "bold": True, "font_size": 12})
        self.header = self.book.add_format({**font, "bold": True, "text_wrap": True, "valign": "vcenter", "bg_color": "#DDEBF7",
                                            "border": 1})
        self.ids = self.book.add_format({**font, "font_size": 8, "font_color": "#666666", "italic": True, "bg_color": "#F2F2F2",
                                         "border": 1})
        self.text = self.book.add_format({**font, "text_wrap": False, "valign": "top"})
        self.wrap = self.book.add_format({**font, "text_wrap": True, "valign": "top"})
        self.numbers = {kind: self.book.add_format({**font, "num_format": fmt, "valign": "top"}) for kind, fmt in NUMBER_FORMATS.items()}
        self.numbers["value"] = self.book.add_format({**font, "num_format": "#,##0.##", "valign": "top"})
        self.dictionary: list[tuple[str, Column]] = []

    def table(self, sheet: Sheet) -> None:
        ws = self.book.add_worksheet(sheet.name)
        frame, columns = sheet.frame, sheet.columns
        if len(frame) > EXCEL_MAX_ROWS - HEADER_ROWS:
            frame = frame.head(0)
            sheet.title += f"（共 {len(sheet.frame):,} 行，超过表格软件的行数上限，见同名 CSV 文件）"
        widths = _widths(columns, frame, sheet.header_wrap)
        wrapped = {i for i, width in enumerate(widths) if width >= MAX_WIDTH}
        self.write_block(ws, 0, 0, sheet.title, columns, frame, sheet.header_wrap, wrapped)
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        ws.freeze_panes(HEADER_ROWS, sheet.freeze_columns)
        ws.autofilter(HEADER_ROWS - 1, 0, HEADER_ROWS - 1 + max(len(frame), 1), len(columns) - 1)
        pages_wide = max(1, math.ceil(sum(widths) / PAGE_WIDTH))
        self.print_setup(ws, sheet.title, pages_wide, repeat_columns=sheet.freeze_columns if pages_wide > 1 else 0)
        self.dictionary += [(sheet.name, c) for c in columns]

    def write_block(self, ws, row: int, col: int, title: str, columns: list[Column], frame: pd.DataFrame,
                    header_wrap: int = HEADER_WRAP, wrapped: set[int] = frozenset()) -> int:
        """A title, the Chinese headers, the ids, then the rows; returns the row after the block."""
        ws.write_string(row, col, title, self.title)
        longest = max((display_width(c.header) for c in columns), default=0)
        ws.set_row(row + 1, 13.5 * min(6, max(1, math.ceil(longest / header_wrap))))
        for j, column in enumerate(columns):
            ws.write_string(row + 1, col + j, column.header, self.header)
            ws.write_string(row + 2, col + j, column.id, self.ids)
        for i, values in enumerate(frame.itertuples(index=False), start=row + 3):
            for j, (column, value) in enumerate(zip(columns, values)):
                self.cell(ws, i, col + j, value, column.kind, wrap=j in wrapped)
        return row + 3 + len(frame)

    def cell(self, ws, row: int, col: int, value, kind: str, wrap: bool = False) -> None:
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            ws.write_blank(row, col, None)  # a blank stays blank, never 0
        elif kind in self.numbers and isinstance(value, numbers.Number) and not isinstance(value, (bool, np.bool_)):
            ws.write_number(row, col, float(value), self.numbers[kind])
        else:
            text = str(value)
            if text.startswith(FORMULA_START):
                text = "'" + text  # like the CSVs: a text that looks like a formula is never one
            ws.write_string(row, col, text, self.wrap if wrap else self.text)

    def print_setup(self, ws, title: str, pages_wide: int = 1, repeat_columns: int = 0) -> None:
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.fit_to_pages(pages_wide, 0)
        ws.repeat_rows(1, HEADER_ROWS - 1)
        if repeat_columns:
            ws.repeat_columns(0, repeat_columns - 1)
            ws.print_across()
        ws.set_header(f"&L&\"等线\"&9{title.replace('&', '&&')}")
        ws.set_footer("&C第 &P 页，共 &N 页")

    def close(self) -> None:
        self.book.close()


# -- the summary sheet ---------------------------------------------------------------------------

COUNTY_COLUMNS = ["county", "reporting_units", "received_total", *OUTCOME_SHARES, "townships", "townships_reporting",
                  "townships_missing", "coverage_share", "failed_checks"]
YEAR_COLUMNS = ["year", "reporting_units", "received_total", "granted_total", "outcomes_total", "share_granted", "review_total",
                "litigation_total"]


def summary(writer: Writer, ctx: Context) -> None:
    """Sheet 1: key figures with their explanations, the county and year tables, and four native charts."""
    ws = writer.book.add_worksheet("概览")
    figures = ctx.figures()
    title = f"{ctx.province} {ctx.year}年 政府信息公开工作年度报告 概览"
    key = pd.DataFrame([(f.label_zh, f.value, f.explanation_zh, f.figure_id) for f in (figures.key if figures else [])],
                       columns=["figure_label", "figure_value", "explanation", "figure_id"])
    key_columns = columns_for(key, list(key.columns))
    key_columns[1].kind = "count"
    # the explanation spans the columns the tables below use, so their widths stay those of numbers
    layout = [(0, key_columns[0]), (1, key_columns[1]), (2, key_columns[2]), (2 + EXPLANATION_SPAN, key_columns[3])]
    ws.write_string(0, 0, title if figures else title + "（没有可汇总的地区：报告的省份未识别）", writer.title)
    for col, column in layout:
        last = col + EXPLANATION_SPAN - 1 if column.id == "explanation" else col
        for row, text, fmt in ((1, column.header, writer.header), (2, column.id, writer.ids)):
            if last > col:
                ws.merge_range(row, col, row, last, text, fmt)
            else:
                ws.write_string(row, col, text, fmt)
    for i, figure in enumerate(figures.key if figures else [], start=HEADER_ROWS):
        writer.cell(ws, i, 0, figure.label_zh, "text")
        writer.cell(ws, i, 1, figure.value, figure.kind)
        ws.merge_range(i, 2, i, 1 + EXPLANATION_SPAN, figure.explanation_zh, writer.text)
        writer.cell(ws, i, 2 + EXPLANATION_SPAN, figure.figure_id, "code")
    end = HEADER_ROWS + len(key)
    ws.freeze_panes(HEADER_ROWS, 0)
    ws.autofilter(HEADER_ROWS - 1, 0, max(end - 1, HEADER_ROWS), 2 + EXPLANATION_SPAN)
    writer.dictionary += [("概览", c) for c in key_columns]
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1 + EXPLANATION_SPAN, 11)
    ws.set_column(2 + EXPLANATION_SPAN, 2 + EXPLANATION_SPAN, 20)
    if figures is None:
        writer.print_setup(ws, title)
        return
    counties = figures.counties[COUNTY_COLUMNS]
    county_columns = columns_for(counties, COUNTY_COLUMNS, ctx.con)
    county_top = end + 2
    county_end = writer.write_block(ws, county_top, 0, "分县区（图表数据）", county_columns, counties)
    years = figures.years[YEAR_COLUMNS]
    year_columns = columns_for(years, YEAR_COLUMNS, ctx.con)
    year_top = county_end + 2
    writer.write_block(ws, year_top, 0, f"{ctx.province} 历年（图表数据）", year_columns, years)
    writer.dictionary += [("概览·分县区", c) for c in county_columns] + [("概览·历年", c) for c in year_columns]
    charts(writer, ws, ctx.province, counties, county_top + HEADER_ROWS, years, year_top + HEADER_ROWS, anchor_row=county_end + len(years) + 8)
    writer.print_setup(ws, title)


def charts(writer: Writer, ws, province: str, counties: pd.DataFrame, county_first: int, years: pd.DataFrame, year_first: int,
           anchor_row: int) -> None:
    """Native Excel charts over the summary's own tables: they stay live if someone edits the numbers."""
    sheet = "概览"
    n, m = max(len(counties), 1), max(len(years), 1)
    cats = [sheet, county_first, 0, county_first + n - 1, 0]

    def col(name: str, frame_columns: list[str]) -> int:
        return frame_columns.index(name)

    height = max(288, 22 * n + 120)
    bar = writer.book.add_chart({"type": "bar"})
    bar.add_series({"name": "本年新收申请（件）", "categories": cats,
                    "values": [sheet, county_first, col("received_total", COUNTY_COLUMNS), county_first + n - 1,
                               col("received_total", COUNTY_COLUMNS)], "data_labels": {"value": True}})
    bar.set_title({"name": "各县区本年新收申请"})
    bar.set_legend({"none": True})
    bar.set_y_axis({"reverse": True})
    bar.set_size({"width": 560, "height": height})

    stacked = writer.book.add_chart({"type": "bar", "subtype": "percent_stacked"})
    for share, label in OUTCOME_SHARES.items():
        c = col(share, COUNTY_COLUMNS)
        stacked.add_series({"name": label, "categories": cats, "values": [sheet, county_first, c, county_first + n - 1, c]})
    stacked.set_title({"name": "各县区办理结果构成"})
    stacked.set_legend({"position": "bottom"})
    stacked.set_y_axis({"reverse": True})
    stacked.set_x_axis({"num_format": "0%"})
    stacked.set_size({"width": 560, "height": height})

    line = writer.book.add_chart({"type": "line"})
    year_cats = [sheet, year_first, 0, year_first + m - 1, 0]
    for name, label in (("received_total", "本年新收申请"), ("granted_total", "予以公开")):
        c = col(name, YEAR_COLUMNS)
        line.add_series({"name": label, "categories": year_cats, "values": [sheet, year_first, c, year_first + m - 1, c],
                         "marker": {"type": "circle"}})
    line.set_title({"name": f"{province} 历年申请数"})
    line.set_legend({"position": "bottom"})
    line.set_size({"width": 560, "height": 288})

    coverage = writer.book.add_chart({"type": "bar", "subtype": "stacked"})
    for name, label, color in (("townships_reporting", "已报送乡镇", "#4472C4"), ("townships_missing", "未报送乡镇", "#ED7D31")):
        c = col(name, COUNTY_COLUMNS)
        coverage.add_series({"name": label, "categories": cats, "values": [sheet, county_first, c, county_first + n - 1, c],
                             "fill": {"color": color}})
    coverage.set_title({"name": "各县区乡镇报送情况"})
    coverage.set_legend({"position": "bottom"})
    coverage.set_y_axis({"reverse": True})
    coverage.set_size({"width": 560, "height": height})

    rows_per_chart = math.ceil(height / 20) + 1
    ws.insert_chart(anchor_row, 0, bar)
    ws.insert_chart(anchor_row, 7, stacked)
    ws.insert_chart(anchor_row + rows_per_chart, 0, line)
    ws.insert_chart(anchor_row + rows_per_chart, 7, coverage)


# -- the dictionary and the whole book -----------------------------------------------------------

def dictionary(writer: Writer) -> None:
    rows = [(sheet, c.header, c.id, KIND_ZH.get(c.kind, "数字"), c.description) for sheet, c in writer.dictionary]
    own = ["sheet", "header", "column", "kind", "description"]
    frame = pd.DataFrame(rows, columns=own)
    columns = [Column(i, HEADERS[i], "text", HEADERS_DESCRIPTION.get(i, "该列的说明（取自仓库的元数据登记表）")) for i in own]
    frame = pd.concat([frame, pd.DataFrame([("数据字典", c.header, c.id, KIND_ZH["text"], c.description) for c in columns],
                                           columns=own)], ignore_index=True)
    writer.table(Sheet("数据字典", "数据字典：每个工作表的每一列（第二行表头是列编号，与 CSV 和数据库一致）", columns, frame, freeze_columns=1))


def write(ctx: Context, path: Path) -> Path:
    """The whole workbook: summary, SHEET_BUILDERS' sheets, dictionary."""
    writer = Writer(path)
    summary(writer, ctx)
    for build in SHEET_BUILDERS:
        sheet = build(ctx)
        if sheet is not None:
            writer.table(sheet)
    dictionary(writer)
    writer.book.worksheets()[0].activate()
    writer.close()
    return path

