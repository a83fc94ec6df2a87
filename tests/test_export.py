"""`gongkai export`: per province and year, CSVs for provincial offices, the same sheets in XLSX, a data dictionary."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest
from warehouse_corpus import Corpus, copy_db

from warehouse.bulk import LONG_CSV, PARQUET
from warehouse.export import FILES, export
from warehouse.store import staged

PAYLOAD = "=cmd|' /C calc'!A0"
BOM = b"\xef\xbb\xbf"
HEADERS = {
    "勾稽检查.csv": ["文档编号(document_id)", "单位(unit)", "区划代码(region_code)", "年度(year)", "规则编号(check_id)", "规则说明",
                 "指标编号(metric_id)", "申请人类型编号(applicant)", "结果(passed)", "报告数(reported)", "分项合计(expected)", "说明(detail)"],
    "未报送乡镇.csv": ["区划代码(region_code)", "乡镇(township)", "县区代码(county_code)", "县区(county)", "地市代码(city_code)", "地市(city)",
                  "省份代码(province_code)", "省份(province)", "年度(year)", "本县区报告数(county_reports)"],
    "数据质量.csv": ["层级(level)", "层级", "区划代码(region_code)", "地区(region_name)", "省份代码(province_code)", "省份(province)", "年度(year)",
                 "规则编号(check_id)", "规则说明", "检查结果数(results)", "可判断数(evaluated)", "不通过数(failed)", "无法判断数(not_evaluable)",
                 "报告数(documents)", "有不通过项的报告数(documents_failed)"],
}
HEADERS["更正记录.csv"] = ["更正编号(correction_no)", "记录时间(recorded_at)", "更正人(who)", "更正原因(why)", "更正类型(kind)", "状态(status)",
                        "说明(detail)", "文档编号(document_id)", "单位(unit)", "年度(year)", "指标编号(metric_id)", "指标名称", "申请人类型",
                        "原提取值(old_value)", "更正值(new_value)", "现提取值(current_value)"]
HEADER_STARTS = {
    "单位年度宽表.csv": ["文档编号(document_id)", "单位(unit)", "区划代码(region_code)", "乡镇(township)", "县区(county)", "地市(city)",
                   "省份(province)", "年度(year)", "模板版本(template_version)", "单位类型(unit_type)", "规章 本年制发件数 (proactive.rules.issued)"],
    "明细长表.csv": ["文档编号(document_id)", "单位(unit)", "区划代码(region_code)", "乡镇(township)", "县区(county)", "地市(city)", "省份(province)",
                 "年度(year)", "指标编号(metric_id)", "指标名称", "申请人类型编号(applicant)", "申请人类型", "数值(value)", "值类型(value_semantic)",
                 "原文位置(source_ref)"],
    "地区汇总.csv": ["层级(level)", "层级", "区划代码(region_code)", "地区(region_name)", "地市代码(city_code)", "地市(city)", "省份代码(province_code)",
                 "省份(province)", "年度(year)", "乡镇总数(townships)", "已报送乡镇数(townships_reporting)", "未报送乡镇数(townships_missing)",
                 "报送单位数(reporting_units)", "其中乡镇(township_units)", "其中县级及以上政府(government_units)", "其中部门(department_units)",
                 "填报本年新收的单位数(received_reported_units)", "本年新收申请·总计(received_total)"],
    "地区比率.csv": ["层级(level)", "层级", "区划代码(region_code)", "地区(region_name)", "省份(province)", "年度(year)", "报送单位数(reporting_units)",
                 "本年新收申请·总计(received_total)", "办理结果总计(outcomes_total)", "予以公开占比(share_granted)",
                 "部分公开占比(share_partially_granted)", "不予公开占比(share_denied)", "不予公开·属于国家秘密占比(share_denied_state_secret)"],
}


@pytest.fixture(scope="module")
def exported(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The corpus warehouse with one unit renamed to a formula payload, exported once."""
    root = tmp_path_factory.mktemp("export")
    db = copy_db(corpus, root)
    target = corpus.county_government
    with staged(db) as con:
        con.execute("UPDATE dim_document SET unit = ? WHERE unit_key = ? AND year = ?", [PAYLOAD, target.unit_key, target.year])
        province = con.execute("SELECT province FROM dim_document WHERE unit_key = ?", [target.unit_key]).fetchone()[0]
    out = root / "out"
    export(db, out, pdf=False)
    return db, out, province


def province_folders(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("*/*") if p.is_dir() and p.parent.name != PARQUET)


def province_csvs(out: Path) -> list[Path]:
    return [p for folder in province_folders(out) for p in sorted(folder.glob("*.csv"))]


def rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def provinces(corpus: Corpus) -> dict[str, str]:
    con = duckdb.connect(str(corpus.db), read_only=True)
    try:
        return dict(con.execute("SELECT DISTINCT county_code, province FROM units WHERE county_code IS NOT NULL").fetchall())
    finally:
        con.close()


def test_one_folder_per_province_and_year_with_every_file(corpus: Corpus, exported) -> None:
    _, out, _ = exported
    by_county = provinces(corpus)
    expected = {(by_county[c], y) for c in corpus.townships_by_county for y in (2022, 2023, 2024)}
    folders = {(p.parent.name, int(p.name)) for p in province_folders(out)}
    assert folders == expected and len(folders) == 6
    for province, year in folders:
        folder = out / province / str(year)
        assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES.values(), "数据说明.md", f"{province}_{year}.xlsx", f"{province}_{year}_简报.html"])
        readme = (folder / "数据说明.md").read_text(encoding="utf-8-sig")
        assert all(name in readme for name in FILES.values()) and "cross_year_carry_over" in readme


def test_csvs_have_a_bom_and_a_stable_header_order(exported, tmp_path: Path) -> None:
    db, out, _ = exported
    for path in province_csvs(out):
        assert path.read_bytes().startswith(BOM), path
        header = rows(path)[0]
        if path.name in HEADERS:
            assert header == HEADERS[path.name], path
        else:
            assert header[: len(HEADER_STARTS[path.name])] == HEADER_STARTS[path.name], path
    again = tmp_path / "again"
    export(db, again, pdf=False)
    for path in out.rglob("*.csv"):
        assert (again / path.relative_to(out)).read_bytes() == path.read_bytes(), path  # same data, same bytes


def test_marts_in_the_folder_hold_the_province_rollups_coverage_and_quality(corpus: Corpus, exported) -> None:
    _, out, _ = exported
    held, victim = corpus.held_back, corpus.victim
    by_county = provinces(corpus)
    folder = out / by_county[held.county_code] / "2023"
    coverage = rows(folder / "未报送乡镇.csv")[1:]
    reported = {r.region_code for r in corpus.reports if r.year == 2023 and r.county_code == held.county_code}
    assert sorted(r[0] for r in coverage) == sorted(set(corpus.townships_by_county[held.county_code]) - reported)
    assert held.region_code in {r[0] for r in coverage}
    rollups = {r[0]: r for r in rows(folder / "地区汇总.csv")[1:]}
    assert list(rollups) == ["province", "city", "county"]
    county = rollups["county"]
    towns = len(corpus.townships_by_county[held.county_code])
    assert county[2] == held.county_code and county[9:13] == [str(towns), "2", str(towns - 2), "2"]
    quality = [r for r in rows(out / by_county[victim.county_code] / str(victim.year) / "数据质量.csv")[1:]
               if r[7] == "cross_year_carry_over"]
    assert [(r[0], r[11]) for r in quality] == [("province", "2"), ("city", "2"), ("county", "2")]
    assert "上年结转" in quality[0][8]


def test_a_formula_in_a_text_cell_is_neutralised_in_csv_and_xlsx(corpus: Corpus, exported) -> None:
    _, out, province = exported
    folder = out / province / str(corpus.county_government.year)
    wide = rows(folder / "单位年度宽表.csv")
    units = [r[1] for r in wide[1:]]
    assert "'" + PAYLOAD in units and PAYLOAD not in units
    for path in province_csvs(out):
        for row in rows(path)[1:]:
            for cell in row:
                if cell[:1] in ("=", "+", "@") or (cell[:1] == "-" and not _is_number(cell)):
                    pytest.fail(f"{path.name}: cell {cell!r} would run as a formula")
    sheet = openpyxl.load_workbook(folder / f"{province}_{corpus.county_government.year}.xlsx")["单位年度宽表"]
    cells = [c for c in sheet["A"] if c.value == "'" + PAYLOAD]
    assert len(cells) == 1 and cells[0].data_type == "s"
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_the_workbook_holds_the_csvs_rows(exported) -> None:
    """The marts' sheets have the CSVs' rows; the checks sheet the results that did not pass (the CSV has all)."""
    _, out, _ = exported
    for folder in province_folders(out):
        book = openpyxl.load_workbook(next(folder.glob("*.xlsx")), read_only=True)
        assert book.sheetnames[0] == "概览" and book.sheetnames[-1] == "数据字典"
        for name in ("单位年度宽表", "地区汇总", "地区比率", "未报送乡镇", "数据质量"):
            csv_rows = rows(folder / f"{name}.csv")
            sheet_rows = list(book[name].iter_rows(min_row=4, values_only=True))
            assert len(sheet_rows) == len(csv_rows) - 1, (folder, name)
        checks = rows(folder / "勾稽检查.csv")
        not_passed = [r for r in checks[1:] if r[8] != "通过"]
        assert len(list(book["勾稽检查"].iter_rows(min_row=4))) == len(not_passed)
        book.close()


def test_province_and_year_filters(corpus: Corpus, exported, tmp_path: Path) -> None:
    db, _, _ = exported
    province = provinces(corpus)[corpus.victim.county_code]
    out = tmp_path / "filtered"
    result = subprocess.run([sys.executable, "-m", "gongkai.cli", "export", "--no-pdf", "--db", str(db), "--out", str(out),
                             "--province", province, "--year", "2023"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert [p.relative_to(out).as_posix() for p in province_folders(out)] == [f"{province}/2023"]
    printed = result.stdout.splitlines()
    assert len([p for p in printed if f"/{province}/2023/" in p]) == len(FILES) + 3  # CSVs, workbook, 数据说明.md, brief
    assert str(out / LONG_CSV) in printed and any(f"{PARQUET}/province=" in p for p in printed)
    by_year = tmp_path / "by-year"
    subprocess.run([sys.executable, "-m", "gongkai.cli", "export", "--no-pdf", "--db", str(db), "--out", str(by_year), "--year", "2024"],
                   check=True, capture_output=True)
    assert sorted(p.relative_to(by_year).as_posix() for p in province_folders(by_year)) == sorted(
        f"{p}/2024" for p in set(provinces(corpus).values()))
    years = {row[8] for row in rows(out / province / "2023" / "未报送乡镇.csv")[1:]}
    assert years == {"2023"}
