"""The fixture generator: its truth obeys the template identities and matches what the files print.

The read-back below is deliberately independent of the generator: it finds rows by label words
and columns by position from the right, the way a person reads the table, so a generator that
put a value in the wrong cell fails here.
"""
from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import docx
import lxml.html
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixturegen import (  # noqa: E402
    FORMATS,
    check_identities,
    generate_corpus,
    generate_multi_year,
    read_truth,
)

CORPUS = ROOT / "tests" / "fixtures" / "corpus"
MULTI_YEAR = ROOT / "tests" / "fixtures" / "corpus-multiyear"
COLUMNS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total")

# Section 三 row label words -> metric id; the first match wins, so specific words come first.
REQUEST_ROWS = [
    ("本年新收", "requests.received"),
    ("上年结转", "requests.carried_in"),
    ("予以公开", "requests.granted"),
    ("部分公开", "requests.partially_granted"),
    ("国家秘密", "requests.denied.state_secret"),
    ("其他法律行政", "requests.denied.prohibited_by_law"),
    ("三安全一稳定", "requests.denied.security_stability"),
    ("第三方", "requests.denied.third_party"),
    ("内部事务", "requests.denied.internal_affairs"),
    ("过程性", "requests.denied.process_info"),
    ("执法案卷", "requests.denied.enforcement_files"),
    ("行政查询", "requests.denied.admin_query"),
    ("不掌握", "requests.unavailable.not_held"),
    ("另行制作", "requests.unavailable.needs_creation"),
    ("仍不明确", "requests.unavailable.unclear"),
    ("信访", "requests.not_processed.petition"),
    ("重复申请", "requests.not_processed.duplicate"),
    ("出版物", "requests.not_processed.publication"),
    ("大量反复", "requests.not_processed.excessive"),
    ("重新出具", "requests.not_processed.confirmation"),
    ("逾期不补正", "requests.other.no_correction"),
    ("缴纳费用", "requests.other.fee_unpaid"),
    ("其他处理", "requests.other"),
    ("其他", "requests.other.other"),
    ("结转下年度", "requests.carried_forward"),
    ("总计", "requests.outcomes_total"),
]
PROACTIVE_ROWS = {"规章": "rules", "规范性文件": "normative_docs", "行政规范性文件": "normative_docs", "行政许可": "licensing",
                  "其他对外管理服务事项": "other_services", "行政处罚": "penalties", "行政强制": "enforcement",
                  "行政事业性收费": "fees", "政府集中采购": "procurement"}
PROACTIVE_COLS = [("制发", "issued"), ("废止", "repealed"), ("度止", "repealed"), ("现行有效", "in_force"),
                  ("处理决定", "decisions"), ("收费金额", "amount"), ("新制作", "newly_made"),
                  ("新公开", "newly_published"), ("对外公开总", "published_total"), ("上一年", "items_prev_year"),
                  ("增/减", "items_change"), ("采购项目", "items"), ("采购总金额", "amount")]
APPEAL_PARTS = {"结果维持": "upheld", "结果纠正": "corrected", "其他结果": "other", "尚未审结": "pending", "总计": "total"}


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def is_value(text: str) -> bool:
    return re.fullmatch(r"\d+(\.\d+)?|", norm(text)) is not None


def request_metric(label: str) -> str:
    label = norm(label)
    if label.startswith("(七)") or label == "总计":
        return "requests.outcomes_total"
    for word, metric in REQUEST_ROWS:
        if word in label:
            return metric
    raise AssertionError(f"unrecognised section 三 label {label!r}")


def read_rows(rows: list[list[str]], proactive: list[list[str]], appeals: list[list[str]]) -> dict:
    """Values by (metric_id, applicant) from three tables given as rows of real (unmerged) cells."""
    found: dict[tuple[str, str], str] = {}
    for row in rows:
        if len(row) < 8 or not all(is_value(c) for c in row[-7:]):
            continue
        label = [c for c in row[:-7] if norm(c)][-1]
        metric = request_metric(label)
        for col, text in zip(COLUMNS, row[-7:]):
            assert (metric, col) not in found, f"{metric} printed twice"
            found[(metric, col)] = norm(text)
    header: list[str] = []
    for row in proactive:
        if norm(row[0]) == "信息内容":
            header = [next(key for word, key in PROACTIVE_COLS if word in norm(h)) for h in row[1:]]
        elif norm(row[0]) in PROACTIVE_ROWS and header:
            for key, text in zip(header, row[1:], strict=True):
                found[(f"proactive.{PROACTIVE_ROWS[norm(row[0])]}.{key}", "")] = norm(text)
    parts = [APPEAL_PARTS[norm(c)] for c in appeals[1][:5]] + [APPEAL_PARTS[norm(c)] for c in appeals[2][-10:]]
    groups = ["appeals.review"] * 5 + ["appeals.litigation_direct"] * 5 + ["appeals.litigation_after_review"] * 5
    for group, part, text in zip(groups, parts, appeals[3], strict=True):
        found[(f"{group}.{part}", "")] = norm(text)
    return found


def docx_tables(path: Path) -> list[list[list[str]]]:
    """Each table as rows of its real cells (a w:tc once; vertically merged continuations as "")."""
    tables = []
    for table in docx.Document(str(path)).tables:
        rows = []
        for tr in table._tbl.tr_lst:
            rows.append(["" if tc.vMerge == "continue" else "\n".join(p.text for p in _paras(tc)) for tc in tr.tc_lst])
        tables.append(rows)
    return tables


def _paras(tc):
    return [docx.text.paragraph.Paragraph(p, None) for p in tc.p_lst]


def html_tables(path: Path) -> list[list[list[str]]]:
    raw = path.read_bytes()
    head = raw[:1024].decode("ascii", "replace").lower()
    text = raw.decode("gb18030" if "gb2312" in head or "gbk" in head else "utf-8")
    tree = lxml.html.fromstring(text)
    out = []
    for table in tree.iter("table"):
        rows = [[td.text_content().replace("\xa0", "") for td in tr.iter("td")] for tr in table.iter("tr")]
        if any(len(r) >= 8 for r in rows) or any(r and norm(r[0]) == "信息内容" for r in rows) or any(
            r and norm(r[0]) == "行政复议" for r in rows
        ):
            out.append(rows)
    return out


def expected(truth: dict) -> dict:
    return {k: norm(v) for k, v in truth.items()}


def assert_truth_consistent(truth: dict, meta: dict) -> None:
    values = {k: (None if v == "" else float(v)) for k, v in truth.items()}
    assert all(v is None or v >= 0 for v in values.values())
    other_one_row = ("requests.other", "total") in truth
    broken = {b.split(":")[0] for b in check_identities(values, other_one_row)}
    injected = {r["rule"] for r in meta["injected"]} - {"carry_over"}
    assert broken == injected, (meta["name"], broken, injected)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """Two freshly generated documents covering the layout variants (no LibreOffice needed)."""
    out = tmp_path_factory.mktemp("fixturegen")
    generate_corpus(out / "a", 1, seed=11, formats="docx,html,txt", template_2019_share=0.0,
                    style_overrides={"other_one_row": True, "fullwidth_digits": True, "blanks": "some",
                                     "paren": "half", "html_encoding": "gbk", "html_br_labels": True,
                                     "label_breaks": True, "txt_layout": "tsv"})
    generate_corpus(out / "b", 1, seed=12, formats="docx,html,txt", template_2019_share=1.0,
                    inject_rules=["balance"], style_overrides={"blanks": "all_zero", "txt_layout": "cells"})
    return sorted(out.glob("*/*.meta.json"))


def test_fresh_documents_have_all_formats_and_consistent_truth(fresh):
    assert len(fresh) == 2
    for meta_path in fresh:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        assert meta["formats"] == ["docx", "html", "txt"]
        base = meta_path.with_name(meta["name"])
        for fmt in meta["formats"]:
            assert base.with_suffix(f".{fmt}").stat().st_size > 1000
        assert_truth_consistent(read_truth(base.with_suffix(".truth.csv")), meta)
    metas = [json.loads(p.read_text(encoding="utf-8")) for p in fresh]
    assert [m["template_version"] for m in metas] == ["2021", "2019"]
    assert metas[1]["injected"] and metas[1]["injected"][0]["rule"] == "balance"


def test_fresh_docx_and_html_print_the_truth_in_the_right_cells(fresh):
    for meta_path in fresh:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        base = meta_path.with_name(meta["name"])
        truth = expected(read_truth(base.with_suffix(".truth.csv")))
        assert any(v == "" for v in truth.values()), "these styles leave some cells blank"
        t2, t3, t4 = docx_tables(base.with_suffix(".docx"))
        assert read_rows(t3, t2, t4) == truth
        h2, h3, h4 = html_tables(base.with_suffix(".html"))
        assert read_rows(h3, h2, h4) == truth
        document = docx.Document(str(base.with_suffix(".docx")))
        text = "\n".join(p.text for p in document.paragraphs)
        year = meta["year"]
        assert meta["title"] in text and meta["title"] == f"{meta['unit']}{year}年政府信息公开工作年度报告"
        assert f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止" in text
        received = truth[("requests.received", "total")] or "0"
        assert f"全年共收到政府信息公开申请{received}件" in text
        for heading in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
            assert heading in text


def test_fresh_fullwidth_and_one_row_other_variant_are_printed(fresh):
    meta = json.loads(fresh[0].read_text(encoding="utf-8"))
    base = fresh[0].with_name(meta["name"])
    t3 = docx_tables(base.with_suffix(".docx"))[1]
    assert len(t3) == 3 + 23  # header rows + rows with （六）其他处理 as one row
    cells = [c for row in t3 for c in row]
    assert any(re.fullmatch(r"[０-９]+", c) for c in cells)
    assert not any(re.fullmatch(r"[0-9]+", c) for c in cells)
    raw = base.with_suffix(".html").read_bytes()
    assert b"gb2312" in raw[:600]
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    txt = base.with_suffix(".txt").read_text(encoding="utf-8")
    assert "\t" in txt and "本年新收政府信息公开申请数量" in txt


def test_committed_corpus_is_complete():
    metas = sorted(CORPUS.glob("*.meta.json"))
    assert len(metas) >= 10
    seen_formats, versions, rules = set(), set(), set()
    total_bytes = 0
    for meta_path in metas:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        for key in ("unit", "year", "region_code", "county", "template_version", "style", "formats"):
            assert key in meta, (meta_path.name, key)
        assert re.fullmatch(r"\d{9}", meta["region_code"])
        base = meta_path.with_name(meta["name"])
        truth_path = base.with_suffix(".truth.csv")
        assert truth_path.exists()
        truth = read_truth(truth_path)
        assert len(truth) in (186, 198, 200)  # 2021 one-row 其他; 2019; 2021 with three sub-rows
        assert_truth_consistent(truth, meta)
        for fmt in meta["formats"]:
            assert base.with_suffix(f".{fmt}").exists(), (meta["name"], fmt)
            total_bytes += base.with_suffix(f".{fmt}").stat().st_size
        seen_formats.update(meta["formats"])
        versions.add(meta["template_version"])
        rules.update(r["rule"] for r in meta["injected"])
    assert seen_formats == set(FORMATS)
    assert versions == {"2019", "2021"}
    assert rules, "the corpus carries at least one deliberate inconsistency for the checks"
    assert total_bytes < 3_000_000
    files = {p.name.split(".")[0] for p in CORPUS.iterdir() if p.is_file() and p.name != "README.md"}
    assert files == {p.name.split(".")[0] for p in metas}, "no document without truth and meta"


def test_committed_corpus_pdf_carries_the_values():
    pdfplumber = pytest.importorskip("pdfplumber")
    meta_path = sorted(CORPUS.glob("*.meta.json"))[0]
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    base = meta_path.with_name(meta["name"])
    with pdfplumber.open(base.with_suffix(".pdf")) as pdf:
        text = norm("".join(page.extract_text() or "" for page in pdf.pages))
    assert norm(meta["title"]) in text
    assert "本年新收政府信息公开申请数量" in text


def test_multi_year_corpus_carries_over_between_years(tmp_path):
    generate_multi_year(tmp_path, (2022, 2024), counties=2, townships_per_county=2, seed=3,
                        formats="txt", break_carry_over=True)
    _assert_carry_over(tmp_path, expect_breaks=1)


def test_committed_multi_year_corpus_carries_over_between_years():
    _assert_carry_over(MULTI_YEAR, expect_breaks=1)


def _assert_carry_over(folder: Path, expect_breaks: int) -> None:
    by_town: dict[str, dict[int, tuple[dict, dict]]] = defaultdict(dict)
    for meta_path in folder.glob("*.meta.json"):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        truth = read_truth(meta_path.with_name(meta["name"] + ".truth.csv"))
        assert_truth_consistent(truth, meta)
        by_town[meta["region_code"]][meta["year"]] = (meta, truth)
    assert len(by_town) == 4 and all(len(years) == 3 for years in by_town.values())
    assert len({code[:6] for code in by_town}) == 2
    breaks = 0
    for years in by_town.values():
        for year in sorted(years)[1:]:
            meta, truth = years[year]
            prev = years[year - 1][1]
            same = all(
                (truth[("requests.carried_in", c)] or "0") == (prev[("requests.carried_forward", c)] or "0")
                for c in COLUMNS
            )
            marked = any(r["rule"] == "carry_over" for r in meta["injected"])
            assert same != marked, (meta["name"], same, marked)
            breaks += marked
    assert breaks == expect_breaks
