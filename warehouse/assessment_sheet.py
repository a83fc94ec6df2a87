"""The workbook's 考核 sheets: every expected unit's score, rank and findings, and the county/city league.

Registered on warehouse.workbook.SHEET_BUILDERS (its extension point) when warehouse.export imports
this module. The rows come from mart_assessment_score, mart_assessment and mart_league of the
export's province and year; a finding is shown with its rule in Chinese and its evidence.
"""
from __future__ import annotations

import pandas as pd

from warehouse import workbook
from warehouse.workbook import Context, Sheet, columns_for

UNIT_TYPE_ZH = {"township": "乡镇（街道）", "county": "县级政府", "city": "地市级政府", "province": "省级政府", "department": "部门"}
HEADERS = {"unit_type_zh": "单位类型", "published_zh": "是否公开", "findings_zh": "扣分及问题（规则：证据）",
           "uncertain_zh": "不确定（需人工核实）", "score": "得分", "county_rank": "县内名次", "county_units": "县内单位数",
           "county_percentile": "县内百分位", "city_rank": "市内名次", "city_units": "市内单位数", "published_on": "发布日期",
           "published_source": "日期来源", "deadline": "公开期限", "days_late": "逾期天数", "expected_units": "应公开单位数",
           "published_units": "已公开单位数", "coverage_pct": "公开率（%）", "on_time_units": "按期", "late_units": "逾期",
           "undated_units": "发布日期不明", "on_time_pct": "按期率（%）", "average_score": "平均得分", "identity_pass_pct": "勾稽关系通过率（%）"}
DECIMALS = {"score": "value", "average_score": "value", "county_percentile": "rate", "city_percentile": "rate",
            "province_percentile": "rate", "coverage_pct": "rate", "on_time_pct": "rate", "identity_pass_pct": "rate"}
MAX_EVIDENCE = 300  # characters of one finding's evidence in a cell; the CSV and the marts hold all of it


def _kinds(columns: list) -> list:
    for column in columns:
        column.kind = DECIMALS.get(column.id, column.kind)
    return columns


def assessment_sheet(ctx: Context) -> Sheet | None:
    frame = ctx.con.execute("""
        SELECT s.county, s.unit, s.unit_type, s.published, s.score, s.county_rank, s.county_units, s.county_percentile,
               s.city_rank, s.city_units, s.published_on, s.published_source, s.deadline, s.days_late,
               string_agg(CASE WHEN a.outcome = 'FAIL' THEN a.description_zh || '（' || printf('%g', a.points) || '）：'
                               || left(a.evidence, ?) END, '；' ORDER BY a.rule_id) AS findings_zh,
               string_agg(CASE WHEN a.outcome = 'UNCERTAIN' THEN a.rule_id || '：' || left(a.evidence, ?) END, '；' ORDER BY a.rule_id) AS uncertain_zh,
               s.unit_key, s.region_code, s.document_id
        FROM mart_assessment_score s JOIN mart_assessment a USING (unit_key, year)
        WHERE s.province = ? AND s.year = ?
        GROUP BY ALL ORDER BY any_value(s.county_code), s.county_rank, s.unit_key
    """, [MAX_EVIDENCE, MAX_EVIDENCE, ctx.province, ctx.year]).df()
    if frame.empty:
        return None
    frame.insert(2, "unit_type_zh", frame.pop("unit_type").map(UNIT_TYPE_ZH))
    frame.insert(3, "published_zh", frame.pop("published").map({True: "是", False: "否"}))
    ids = list(frame.columns)
    return Sheet("考核", f"{ctx.province} {ctx.year}年 年度报告考核：每个应公开单位的得分、县内排名和问题（规则见 data/assessment/rules.csv）",
                 _kinds(columns_for(frame, ids, ctx.con, HEADERS)), frame[ids], freeze_columns=2)


def league_sheet(ctx: Context) -> Sheet | None:
    frame: pd.DataFrame = ctx.con.execute("""
        SELECT level, region_name, city, expected_units, published_units, coverage_pct, on_time_units, late_units,
               undated_units, on_time_pct, average_score, identity_pass_pct, region_code
        FROM mart_league WHERE province = ? AND year = ? AND level IN ('county', 'city')
        ORDER BY level = 'county', average_score DESC, region_code
    """, [ctx.province, ctx.year]).df()
    if frame.empty:
        return None
    frame.insert(1, "level_zh", frame.pop("level").map({"county": "县区", "city": "地市"}))
    ids = list(frame.columns)
    return Sheet("考核排行", f"{ctx.province} {ctx.year}年 考核排行：各县区、地市的公开率、按期率、平均得分和勾稽关系通过率",
                 _kinds(columns_for(frame, ids, ctx.con, HEADERS)), frame[ids], freeze_columns=2)


for _builder in (assessment_sheet, league_sheet):
    if _builder not in workbook.SHEET_BUILDERS:
        workbook.SHEET_BUILDERS.append(_builder)
