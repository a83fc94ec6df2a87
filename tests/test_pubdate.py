"""Publication-date candidates (transforms/pubdate.py) on real archive headers and generated files."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from conftest import ROOT
from gongkai.extract import extract_file
from transforms.pubdate import document_candidates, parse_date
from transforms.sections import section_texts

REAL = ROOT / "tests" / "real" / "text"
# 发布时间 of each archive header and the signature (落款) at the end, read off the files by a person
REAL_DATES = {
    "203_jtj_2021": (date(2022, 1, 10), date(2022, 1, 7)),
    "216_hzs_2019": (date(2020, 1, 19), date(2020, 1, 2)),
    "222_nyn_2021": (date(2022, 1, 14), None),
    "227_zhz_2022": (date(2023, 1, 9), date(2023, 1, 5)),
    "015_kaili_wanchaozhen_2023": (date(2024, 1, 16), None),
    "017_longgang_bumen_2024": (None, None),
}


@pytest.mark.parametrize("name", sorted(REAL_DATES))
def test_real_archive_headers_and_signatures(name: str) -> None:
    text = (REAL / f"{name}.txt").read_text(encoding="utf-8")
    year = json.loads((REAL / f"{name}.meta.json").read_text(encoding="utf-8"))["year"]
    found = {c.source: c.published_on for c in document_candidates({}, text, "text", year)}
    header, signature = REAL_DATES[name]
    assert found.get("archive_header") == header
    assert found.get("signature") == signature
    assert "page" not in found  # a text archive's header is the archive's, not a page's


def test_complete_real_reports_print_all_six_sections() -> None:
    for name in ("203_jtj_2021", "216_hzs_2019", "222_nyn_2021", "227_zhz_2022"):
        text = (REAL / f"{name}.txt").read_text(encoding="utf-8")
        assert [s.section for s in section_texts(text)] == list("一二三四五六"), name
    cut = section_texts((REAL / "015_kaili_wanchaozhen_2023.txt").read_text(encoding="utf-8"))
    assert [s.section for s in cut] == ["一", "二"]  # the search engine kept only the start


@pytest.mark.parametrize(("text", "expected"), [
    ("2022-01-10 08:51", date(2022, 1, 10)),
    ("2022年1月7日", date(2022, 1, 7)),
    ("2022/3/5", date(2022, 3, 5)),
    ("D:20220107083000+08'00'", date(2022, 1, 7)),
    ("2022-01-31T17:00:00Z", date(2022, 2, 1)),  # UTC evening is the next day in China
    ("Mon, 31 Jan 2022 20:00:00 GMT", date(2022, 2, 1)),
    ("2022-02-30", None),
    ("", None),
])
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_a_date_that_cannot_date_the_report_is_no_candidate() -> None:
    text = "某镇2022年政府信息公开工作年度报告\n发布时间: 2021-06-01\n……\n某镇人民政府\n2022年6月30日"
    assert document_candidates({}, text, "text", 2022) == []  # June 2022 signs no report on 2022


def test_generated_page_pdf_and_docx_carry_their_dates() -> None:
    corpus = ROOT / "tests" / "fixtures" / "corpus"
    page = next(iter(sorted(corpus.glob("*.html"))))
    meta = json.loads(page.with_suffix(".meta.json").read_text(encoding="utf-8"))
    raw = page.read_bytes()
    printed = raw.decode("utf-8" if b'charset="utf-8"' in raw.lower() or b"charset=utf-8" in raw.lower() else "gb18030",
                         errors="replace").split("发布时间：", 1)[1][:10]
    found = {p.source: p.published_on for p in extract_file(page).pubdates}
    assert found["page"] == found["html_meta"] == date.fromisoformat(printed)
    assert found["page"].year == meta["year"] + 1
    for suffix, sources in (("pdf", {"pdf_created"}), ("docx", {"docx_created", "docx_modified"})):
        found = {p.source for p in extract_file(page.with_suffix(f".{suffix}")).pubdates}
        assert sources <= found, suffix
