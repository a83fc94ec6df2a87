"""CSV and XLSX summaries for provincial offices: one folder per province and year.

Files are UTF-8 with a BOM so Excel and WPS open them, headers are Chinese with the ids
beside them, the column order is stable, and text cells that a spreadsheet would run as a
formula are neutralised. Beside the report data each folder holds what provincial offices
ask for: rollups per county and city, rates, the townships that sent no report, and the
check results by region (from the marts in warehouse/marts.sql).
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from warehouse import assessment_sheet  # noqa: F401 - registers the 考核 sheets on workbook.SHEET_BUILDERS
from warehouse import brief, bulk, registry, workbook, zh
from warehouse.atomic import Staging, staged_output
from warehouse.scope import LEVEL_ZH, UNKNOWN_PROVINCE
from warehouse.scope import check as check_scope
from warehouse.store import connect_read_only
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SEMANTIC_ZH = {"number": "数值", "zero": "零", "blank": "空白", "na": "不适用", "inferred": "推定", "missing": "缺失", "text": "文字", "corrected": "更正"}
ID_COLUMNS = {
    "document_id": "文档编号(document_id)", "unit": "单位(unit)", "region_code": "区划代码(region_code)",
    "township": "乡镇(township)", "county": "县区(county)", "city": "地市(city)", "province": "省份(province)",
    "year": "年度(year)", "template_version": "模板版本(template_version)",
    "unit_type": "单位类型(unit_type)",
}
LONG_COLUMNS = {
    **{k: v for k, v in ID_COLUMNS.items() if k not in ("template_version", "unit_type")},
    "metric_id": "指标编号(metric_id)", "label_zh": "指标名称", "applicant": "申请人类型编号(applicant)",
    "applicant_zh": "申请人类型", "value": "数值(value)", "value_semantic_zh": "值类型(value_semantic)", "source_ref": "原文位置(source_ref)",
}
CHECK_COLUMNS = {
    "document_id": "文档编号(document_id)", "unit": "单位(unit)", "region_code": "区划代码(region_code)", "year": "年度(year)",
    "check_id": "规则编号(check_id)", "description": "规则说明", "metric_id": "指标编号(metric_id)",
    "applicant": "申请人类型编号(applicant)", "result": "结果(passed)", "reported": "报告数(reported)",
    "expected": "分项合计(expected)", "detail": "说明(detail)",
}
FILES = {
    "wide": "单位年度宽表.csv", "long": "明细长表.csv", "checks": "勾稽检查.csv",
    "rollups": "地区汇总.csv", "rates": "地区比率.csv", "coverage": "未报送乡镇.csv", "quality": "数据质量.csv",
    "corrections": "更正记录.csv",
}
CORRECTION_COLUMNS = {
    "correction_no": "更正编号(correction_no)", "recorded_at": "记录时间(recorded_at)", "who": "更正人(who)", "why": "更正原因(why)",
    "kind_zh": "更正类型(kind)", "status_zh": "状态(status)", "detail": "说明(detail)", "document_id": "文档编号(document_id)",
    "unit": "单位(unit)", "year": "年度(year)", "metric_id": "指标编号(metric_id)", "metric_label": "指标名称",
    "applicant_label": "申请人类型", "old_value": "原提取值(old_value)", "new_value": "更正值(new_value)",
    "current_value": "现提取值(current_value)",
}
STATUS_ZH = {"applied": "已应用", "stale": "待复核（未应用）", "superseded": "已被后续更正取代", "missing": "文档不在库中", "pending": "待入库"}
MART_COLUMNS = {
    "level": "层级(level)", "level_zh": "层级", "region_code": "区划代码(region_code)", "region_name": "地区(region_name)",
    "county_code": "县区代码(county_code)", "county": "县区(county)", "city_code": "地市代码(city_code)", "city": "地市(city)",
    "province_code": "省份代码(province_code)", "province": "省份(province)", "year": "年度(year)",
    "township": "乡镇(township)", "county_reports": "本县区报告数(county_reports)",
    "reporting_units": "报送单位数(reporting_units)", "township_units": "其中乡镇(township_units)",
    "government_units": "其中县级及以上政府(government_units)", "department_units": "其中部门(department_units)",
    "received_reported_units": "填报本年新收的单位数(received_reported_units)",
    "townships": "乡镇总数(townships)", "townships_reporting": "已报送乡镇数(townships_reporting)",
    "townships_missing": "未报送乡镇数(townships_missing)", "failed_checks": "未通过检查数(failed_checks)",
    "received_total": "本年新收申请·总计(received_total)", "outcomes_total": "办理结果总计(outcomes_total)",
    "share_granted": "予以公开占比(share_granted)", "share_partially_granted": "部分公开占比(share_partially_granted)",
    "share_denied": "不予公开占比(share_denied)", "share_unavailable": "无法提供占比(share_unavailable)",
    "share_not_processed": "不予处理占比(share_not_processed)", "share_other": "其他处理占比(share_other)",
    "reviews_per_100_received": "每百件新收申请行政复议数(reviews_per_100_received)",
    "lawsuits_per_100_received": "每百件新收申请行政诉讼数(lawsuits_per_100_received)",
    "check_id": "规则编号(check_id)", "description": "规则说明", "results": "检查结果数(results)",
    "evaluated": "可判断数(evaluated)", "failed": "不通过数(failed)", "not_evaluable": "无法判断数(not_evaluable)",
    "documents": "报告数(documents)", "documents_failed": "有不通过项的报告数(documents_failed)",
}
# where the export's columns come from, for their descriptions in 数据说明.md
DICTIONARY_SOURCES = ("dim_document", "report_values", "dim_metric", "fact_check", "mart_region_year", "mart_rates",
                      "mart_coverage", "mart_coverage_summary", "mart_quality")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that start like a formula with an apostrophe (CSV injection)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v)
    return out


def _where(province: str | None, year: int | None, alias: str = "d") -> tuple[str, list]:
    clauses, params = [f"{alias}.status = 'loaded'"], []
    if province:
        clauses.append(f"{alias}.province = ?")
        params.append(province)
    if year:
        clauses.append(f"{alias}.year = ?")
        params.append(year)
    return " AND ".join(clauses), params


def _long(con, where: str, params: list) -> pd.DataFrame:
    return con.execute(f"""
        SELECT d.document_id, d.unit, d.region_code, d.township, d.county, d.city, d.province, d.year,
               v.metric_id, m.label_zh, m.unit AS metric_unit, v.applicant, a.label_zh AS applicant_zh, v.value, v.value_semantic, v.source_ref
        FROM fact_value v JOIN dim_document d USING (document_id)
        JOIN dim_metric m USING (metric_id) LEFT JOIN dim_applicant a USING (applicant)
        WHERE {where}
        ORDER BY d.province, d.year, d.county, d.unit, d.document_id, m.sort_order, a.sort_order
    """, params).df()


def _wide(con, long: pd.DataFrame, where: str, params: list) -> tuple[pd.DataFrame, dict[str, str]]:
    """Documents × every cell, columns named metric_id/applicant; with each column's Chinese label."""
    documents = con.execute(f"""
        SELECT d.document_id, d.unit, d.region_code, d.township, d.county, d.city, d.province, d.year, d.template_version, d.unit_type
        FROM dim_document d WHERE {where} ORDER BY d.province, d.year, d.county, d.unit, d.document_id
    """, params).df()
    metric_order = con.execute("""
        SELECT m.metric_id, m.label_zh, a.applicant, a.label_zh FROM dim_metric m
        LEFT JOIN dim_applicant a ON m.by_applicant ORDER BY m.sort_order, a.sort_order
    """).fetchall()
    if long.empty:
        return documents, {}
    keyed = long.assign(column=long["metric_id"] + long["applicant"].map(lambda a: f"/{a}" if isinstance(a, str) else ""))
    pivot = keyed.pivot_table(index="document_id", columns="column", values="value", aggfunc="first", dropna=False)
    headers = {}
    for metric_id, label, applicant, applicant_zh in metric_order:
        column = metric_id + (f"/{applicant}" if applicant else "")
        if column in pivot.columns:
            headers[column] = f"{label}" + (f"·{applicant_zh}" if applicant_zh else "")
    amounts = set(con.execute("SELECT metric_id FROM dim_metric WHERE unit = '万元'").fetchall())
    for column in headers:
        values = pivot[column]
        if (column.split("/")[0],) not in amounts and values.dropna().eq(values.dropna().round()).all():
            pivot[column] = values.astype("Int64")  # counts print as 12, not 12.0; a blank stays empty
    return documents.merge(pivot[list(headers)], left_on="document_id", right_index=True, how="left"), headers


def _checks(con, where: str, params: list) -> pd.DataFrame:
    frame = con.execute(f"""
        SELECT d.document_id, d.unit, d.region_code, d.year, c.check_id, c.metric_id, c.applicant, c.passed,
               c.reported, c.expected, c.detail
        FROM fact_check c JOIN dim_document d USING (document_id)
        WHERE {where} ORDER BY d.province, d.year, d.unit, d.document_id, c.check_id, c.metric_id, c.applicant
    """, params).df()
    frame.insert(5, "description", frame["check_id"].map(_check_descriptions()))
    frame["result"] = frame["passed"].map(zh.outcome)
    return frame


def _corrections(con, where: str, params: list) -> pd.DataFrame:
    """Every correction of the group's documents (current or superseded), applied or flagged, with who, when and why."""
    from warehouse.corrections import KIND_ZH

    try:
        frame = con.execute(f"""
            SELECT c.* FROM report_corrections c JOIN dim_document d USING (document_id)
            WHERE {where.replace("d.status = 'loaded'", "d.status IN ('loaded', 'superseded')")} ORDER BY c.correction_no
        """, params).df()
    except duckdb.CatalogException:  # a warehouse published before corrections existed
        return pd.DataFrame(columns=list(CORRECTION_COLUMNS.values()))
    frame["kind_zh"] = frame["kind"].map(lambda k: f"{KIND_ZH.get(k, k)}({k})")
    frame["status_zh"] = frame["status"].map(lambda s: f"{STATUS_ZH.get(s, s)}({s})")
    return frame[list(CORRECTION_COLUMNS)].rename(columns=CORRECTION_COLUMNS)


def _check_descriptions() -> dict[str, str]:
    from transforms.checks import rules
    from warehouse.cross_checks import CROSS_CHECKS

    return {**{r.check_id: r.description for r in rules()}, **CROSS_CHECKS}


def _mart_headers(con) -> dict[str, str]:
    """Chinese headers with the column id beside them; measures take their label from mart_measures."""
    measures = con.execute("SELECT DISTINCT measure, label_zh FROM mart_measures").fetchall()
    headers = {m: f"{label}({m})" for m, label in measures}
    headers.update({f"share_{m.removesuffix('_total')}": f"{label.removesuffix('·总计')}占比(share_{m.removesuffix('_total')})"
                    for m, label in measures if m.startswith("denied_")})
    return {**headers, **MART_COLUMNS}


def _marts(con, province: str | None, year: int) -> dict[str, pd.DataFrame]:
    """The rollup, rate, coverage and quality marts of one province and year (columns named by id)."""
    params = [province, year]
    level_order = "CASE level WHEN 'province' THEN 0 WHEN 'city' THEN 1 ELSE 2 END, region_code"
    rollups = con.execute(f"""
        SELECT r.level, r.region_code, r.region_name, r.city_code, r.city, r.province_code, r.province, r.year,
               s.townships, s.townships_reporting, s.townships_missing,
               r.* EXCLUDE (level, region_code, region_name, city_code, city, province_code, province, year)
        FROM mart_region_year r
        LEFT JOIN mart_coverage_summary s ON r.level = 'county' AND s.county_code = r.region_code AND s.year = r.year
        WHERE r.province = ? AND r.year = ? ORDER BY {level_order}
    """, params).df()
    rates = con.execute(f"""
        SELECT level, region_code, name AS region_name, province, year,
               * EXCLUDE (level, unit_key, region_code, name, county_code, county, city_code, city, province_code, province, year)
        FROM mart_rates WHERE level <> 'unit' AND province = ? AND year = ? ORDER BY {level_order}
    """, params).df()
    coverage = con.execute("""
        SELECT region_code, township, county_code, county, city_code, city, province_code, province, year, county_reports
        FROM mart_coverage WHERE province = ? AND year = ? ORDER BY county_code, region_code
    """, params).df()
    quality = con.execute(f"""
        SELECT level, region_code, region_name, province_code, province, year, check_id, results, evaluated, failed,
               not_evaluable, documents, documents_failed
        FROM mart_quality WHERE province = ? AND year = ? ORDER BY {level_order}, check_id
    """, params).df()
    quality.insert(7, "description", quality["check_id"].map(_check_descriptions()))
    frames = {"rollups": rollups, "rates": rates, "coverage": coverage, "quality": quality}
    for frame in frames.values():
        if "level" in frame:
            frame.insert(1, "level_zh", frame["level"].map(LEVEL_ZH))
    return frames


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    neutralise(frame).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _describe_column(key: str, header: str) -> str:
    """One line of the dictionary: the header and the registry's Chinese description (warehouse/registry.yaml)."""
    column = registry.describe(key, among=DICTIONARY_SOURCES)
    if column is None:
        return f"- {header}"
    unit = f"（单位：{column.unit}）" if column.unit else ""
    return f"- {header}：{column.zh}{unit}"


def _dictionary(province: str, year: int, counts: dict[str, int]) -> str:
    lines = [
        f"# {province} {year}年 政府信息公开工作年度报告数据", "",
        "由 gongkai 从各单位公开的年度报告中提取。编码 UTF-8（带 BOM），可用 Excel、WPS 直接打开。", "",
        f"- {FILES['wide']}：每个单位、每个年度一行（{counts['wide']} 行）；列名为“指标名称·申请人类型 (metric_id/applicant)”。",
        f"- {FILES['long']}：每个数值一行（{counts['long']} 行）。",
        f"- {FILES['checks']}：勾稽关系检查，每份报告 × 规则 × 列一行（{counts['checks']} 行）；"
        "含跨年度检查 cross_year_carry_over（本年上年结转 = 上年结转下年度）和 prose_vs_table（总体情况所述申请数 = 表格本年新收总计）。",
        f"- {FILES['rollups']}：省、地市、县区汇总（{counts['rollups']} 行）：报送单位数和各项合计；县区行另有乡镇总数、已报送、未报送乡镇数。"
        "合计只加填报了该项的单位（空白不计为 0）。",
        f"- {FILES['rates']}：省、地市、县区的比率（{counts['rates']} 行）：各办理结果占办理结果总计的比例（0–1），每百件新收申请的行政复议、行政诉讼数；分母为 0 或未填报时为空。",
        f"- {FILES['coverage']}：未报送名单（{counts['coverage']} 行）：已有报告的县区中，本年度没有报告的乡镇（街道）。",
        f"- {FILES['quality']}：数据质量（{counts['quality']} 行）：按地区和规则统计的检查结果数、不通过数、无法判断数。",
        f"- {FILES['corrections']}：人工更正记录（{counts['corrections']} 行）：谁、何时、为何更正了哪个格子，原提取值与更正值；"
        "状态“已应用”的更正值已用于各表（值类型“更正”），“待复核”的更正因文档已被取代或重新提取的数值已变而未应用。", "",
        "## 值类型 (value_semantic)", "",
        *[f"- {zh}（{en}）" for en, zh in SEMANTIC_ZH.items()], "",
        "空白、不适用、缺失的格子没有数值（不是 0）；“推定”是报告漏印、但勾稽关系和非负性能唯一确定的数值。",
        "勾稽检查“不通过”只记录问题，不修改报告的数字；“无法判断”表示相关格子空白或缺失。", "",
        "## 列", "",
        *[_describe_column(key, header) for key, header in {**ID_COLUMNS, **LONG_COLUMNS, **CHECK_COLUMNS, **MART_COLUMNS}.items()], "",
        "以 = + - @ 开头的文字前加了单引号，防止电子表格把它当作公式执行。", "",
    ]
    return "\n".join(lines)


def open_warehouse(db: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection that may write files (COPY … TO): exports are not analyst queries."""
    return connect_read_only(Path(db))  # waits a bounded time for a lock, and says so; names a damaged file


def _groups(con, province: str | None, year: int | None) -> list[tuple[str, int]]:
    where, params = _where(None if province == UNKNOWN_PROVINCE else province, year)
    if province == UNKNOWN_PROVINCE:
        where += " AND d.province IS NULL"
    return con.execute(f"SELECT DISTINCT coalesce(d.province, '{UNKNOWN_PROVINCE}'), d.year FROM dim_document d "
                       f"WHERE {where} AND d.year IS NOT NULL ORDER BY 1, 2", params).fetchall()


def _province_year(con, stage: Staging, group_province: str, group_year: int, briefs: bool, pdf: bool,
                   notice: Callable[[str], None]) -> None:
    """The CSVs, workbook and 数据说明.md of one province and year, staged as one folder."""
    province_clause = "d.province IS NULL" if group_province == UNKNOWN_PROVINCE else "d.province = ?"
    group_where = f"d.status = 'loaded' AND {province_clause} AND d.year = ?"
    group_params = ([] if group_province == UNKNOWN_PROVINCE else [group_province]) + [group_year]
    folder = stage.folder(Path(group_province) / str(group_year))
    long = _long(con, group_where, group_params)
    long = long.assign(value=_typed_values(long), value_semantic_zh=long["value_semantic"].map(SEMANTIC_ZH))
    wide, wide_labels = _wide(con, long, group_where, group_params)
    frames = {"wide": wide, "long": long, "checks": _checks(con, group_where, group_params),
              **_marts(con, None if group_province == UNKNOWN_PROVINCE else group_province, group_year),
              "corrections": _corrections(con, group_where, group_params)}
    mart_headers = _mart_headers(con)
    csv_headers = {"wide": {**ID_COLUMNS, **{k: f"{v} ({k})" for k, v in wide_labels.items()}}, "long": LONG_COLUMNS,
                   "checks": CHECK_COLUMNS, "corrections": {}, **{k: mart_headers for k in ("rollups", "rates", "coverage", "quality")}}
    for key, frame in frames.items():
        headers = csv_headers[key]
        chosen = [c for c in (headers if key in ("long", "checks") else frame.columns) if c in frame.columns]
        _write_csv(frame[chosen].rename(columns=headers), stage.writing(folder / FILES[key]))
    book = workbook.Context(con=con, province=group_province, year=group_year, frames=frames, wide_labels=wide_labels,
                            where=group_where, params=group_params)
    workbook.write(book, stage.writing(folder / f"{group_province}_{group_year}.xlsx"))
    figures = book.figures()
    if briefs and figures is not None:
        brief.write(figures, lambda name: stage.writing(folder / name), f"{group_province}_{group_year}_简报", notice, pdf=pdf)
    readme = stage.writing(folder / "数据说明.md")
    readme.write_text(_dictionary(group_province, group_year, {k: len(f) for k, f in frames.items()}), encoding="utf-8-sig")


def _typed_values(long: pd.DataFrame) -> pd.Series:
    """Counts as integers (12, not 12.0); amounts in 万元 keep their decimals; blanks stay empty."""
    whole = long["value"].notna() & (long["value"] == long["value"].round()) & (long["metric_unit"] != "万元")
    return long["value"].astype(object).where(~whole, long["value"].map(lambda v: int(v) if pd.notna(v) else v))


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def export(db: Path, out: Path, province: str | None = None, year: int | None = None, briefs: bool = True, pdf: bool = True,
           notice: Callable[[str], None] = _stderr, progress: Callable[[int, int, str], None] | None = None) -> list[Path]:
    """Write every selected province-year folder and the bulk files; all appear at once or not at all.

    briefs: also the HTML brief of each province and year (pdf: and its PDF, printed by chromium).
    notice: where one-line notices go (a PDF that could not be printed, and why).
    Raises ScopeError (unknown province or year, with what exists), ExportError (a file could not
    be written, naming it and the fix) or FileNotFoundError (no warehouse).
    """
    con = open_warehouse(db)
    try:
        check_scope(con, province, year)
        groups = _groups(con, province, year)
        with staged_output(Path(out)) as stage:
            for done, (group_province, group_year) in enumerate(groups, 1):
                _province_year(con, stage, group_province, group_year, briefs, pdf, notice)
                if progress:  # per province-year folder (the CLI draws a bar on a terminal)
                    progress(done, len(groups), f"{group_province} {group_year}")
            bulk.write_long_csv(con, stage.file(bulk.LONG_CSV), province, year)
            bulk.write_parquet(con, stage.folder(bulk.PARQUET), province, year)
            entries = list(stage.entries)
    finally:
        con.close()
    written: list[Path] = []
    for entry in entries:
        target = Path(out) / entry
        written += sorted(p for p in target.rglob("*") if p.is_file()) if target.is_dir() else [target]
    return written


def write_brief(db: Path, out: Path, scope_name: str, year: int, pdf: bool = True,
                notice: Callable[[str], None] = _stderr) -> list[Path]:
    """The brief of one province, city or county and year, written atomically into out."""
    from warehouse.figures import scope_figures
    from warehouse.scope import region

    con = open_warehouse(db)
    try:
        check_scope(con, None, year)
        place = region(con, scope_name, year)
        figures = scope_figures(con, place, year)
        stem = f"{place.name}_{year}_简报" if place.level == "province" else f"{place.province}{place.name}_{year}_简报"
        with staged_output(Path(out)) as stage:
            files = brief.write(figures, stage.file, stem, notice, pdf=pdf)
    finally:
        con.close()
    return [Path(out) / path.name for path in files]


def where(out: Path) -> list[str]:
    """Lines saying where the deliverables of an export folder are (printed at the end of `make run`)."""
    out = Path(out)
    groups = {"workbooks": sorted(out.glob("*/*/*.xlsx")), "briefs (HTML)": sorted(out.glob("*/*/*_简报.html")),
              "briefs (PDF)": sorted(out.glob("*/*/*_简报.pdf"))}
    lines = [f"{name}: {len(paths)}, e.g. {paths[0]}" if paths else f"{name}: none" for name, paths in groups.items()]
    lines.append(f"long CSV: {out / bulk.LONG_CSV}" if (out / bulk.LONG_CSV).exists() else "long CSV: none")
    lines.append(f"Parquet: {out / bulk.PARQUET}/province=…/year=…/" if (out / bulk.PARQUET).exists() else "Parquet: none")
    return lines


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m warehouse.export", description="say where an export folder's deliverables are")
    parser.add_argument("--where", required=True, help="the export folder")
    print("\n".join(where(Path(parser.parse_args().where))))
