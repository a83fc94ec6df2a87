"""Page chrome (archive headers, breadcrumbs, share bars, print controls, footers) never becomes
the title, the unit or a cell; header fields are kept in ReadResult.meta as printed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.html import read_html
from extractors.model import Cell, Grid, Paragraph, ReadResult
from extractors.registry import read_bytes
from gongkai.extract import extract_bytes
from transforms.chrome import strip_chrome
from transforms.identity import identify

REAL = Path(__file__).parent / "real" / "text"
TITLE = "平潭综合实验区交通与建设局2021年度政府信息公开工作年度报告"

HEADER = f"""标题: {TITLE}
发布时间: 2022-01-10 08:51
文号: 
发布机构: 
栏目: 政府信息公开年报
原文链接: https://www.example.gov.cn/zwgk/202201/t20220110_1.htm
本地目录: zwgk/202201/1_{TITLE}
页面链接与图片详见 links.tsv(同目录)
==================== 正文 ====================
"""

PAGES = {
    "archive header": HEADER + "根据《中华人民共和国政府信息公开条例》，编制本报告。",
    "one-line crawler body": HEADER + f"当前位置： 首页政务公开平潭综合实验区交通与建设局政府信息公开年报 {TITLE} 来源： 时间：2022-01-10 08:51 --> 微信 微博 QQ空间 全真版 文字版 文件下载 相关链接： 根据《条例》，我局编制了2021年度政府信息公开年度报告。" + "一、总体情况" * 200,
    "breadcrumb with arrows": f"您现在所在的位置：首页 > 政务公开 > 年度报告\n{TITLE}\n【大 中 小】 打印 关闭\n正文。",
    "info bar and share bar": f"{TITLE}\n来源: 平潭综合实验区交通与建设局 发布时间: 2022-01-10 08:51 分享到： 微信 微博 QQ空间\n正文。",
    "footer": f"{TITLE}\n正文。\n版权所有：平潭综合实验区管委会 主办单位：办公室 闽ICP备12345678号",
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_chrome_never_becomes_title_or_unit(page: str) -> None:
    read = strip_chrome(read_bytes(PAGES[page].encode("utf-8"), "page.txt"))
    text = read.text()
    identity = identify(text.split("\n"), text, None, read.meta)
    assert identity.title == TITLE
    assert identity.unit == "平潭综合实验区交通与建设局"
    assert identity.year == 2021
    assert identity.region.region_code == "350128"
    for chrome in ("标题", "当前位置", "所在的位置", "微信", "QQ空间", "全真版", "打印", "版权所有", "ICP备", "links.tsv", "====", "首页 >"):
        assert chrome not in text, (page, chrome)


def test_header_fields_are_kept_as_printed() -> None:
    read = strip_chrome(read_bytes(PAGES["one-line crawler body"].encode("utf-8"), "page.txt"))
    assert read.meta["标题"] == TITLE
    assert read.meta["发布时间"] == "2022-01-10 08:51"
    assert read.meta["原文链接"] == "https://www.example.gov.cn/zwgk/202201/t20220110_1.htm"
    assert read.meta["时间"] == "2022-01-10 08:51"  # the info bar's date, not the body after it
    assert "文号" not in read.meta  # printed empty
    info = strip_chrome(read_bytes(PAGES["info bar and share bar"].encode("utf-8"), "page.txt")).meta
    assert (info["来源"], info["发布时间"]) == ("平潭综合实验区交通与建设局", "2022-01-10 08:51")


def test_body_text_is_kept() -> None:
    """Words that only look like chrome inside the report's prose stay: 数据来源：, 打印机, 微信公众号."""
    line = "数据来源：本机关。购置打印机一台，微信公众号发布信息226条，统计时间：2023年。"
    read = strip_chrome(ReadResult("text", [Paragraph(line, "line 1")]))
    assert read.text() == line and read.meta == {}


def test_title_found_without_header_inside_a_long_line() -> None:
    body = "当前位置： 首页政务公开 " + TITLE + " 微信 微博 根据《关于政府信息公开工作年度报告有关事项的通知》，" + "说明" * 500
    read = strip_chrome(ReadResult("text", [Paragraph(body, "line 1")]))
    identity = identify(read.text().split("\n"), read.text(), None, read.meta)
    assert (identity.title, identity.year) == (TITLE, 2021)


@pytest.mark.parametrize("sentence, unit", [
    ("特向社会公布《平潭综合实验区农业农村局2021年政府信息公开工作年度报告》。", "平潭综合实验区农业农村局"),
    ("现公布湘潭县易俗河镇2023年政府信息公开工作情况报告。", "易俗河镇"),
    ("我局编制了2021年度政府信息公开年度报告。", None),
])
def test_unit_from_the_announcing_sentence(sentence: str, unit: str | None) -> None:
    text = "根据《中华人民共和国政府信息公开条例》规定，" + sentence + "一、总体情况" + "本机关" * 100
    identity = identify([text], text)
    assert identity.unit == unit
    assert identity.year in (2021, 2023)


@pytest.mark.parametrize("title", [
    "某县2023年政府信息公开年度报告", "某县2023年政府信息公开工作年度报告", "某县2023年政府信息公开工作报告",
    "某县2023年政府信息公开工作情况报告", "某县2023年度政府信息公开工作年度报告",
])
def test_title_variants(title: str) -> None:
    assert identify([title, "正文"], title + "\n正文").title == title


def test_html_breadcrumb_and_share_bar_are_not_cells_or_title() -> None:
    page = f"""<html><head><meta charset="utf-8"></head><body>
    <div class="main"><p>当前位置：首页 &gt; 政务公开 &gt; 年度报告</p>
    <h1>{TITLE}</h1><p>来源： 时间：2022-01-10 08:51 微信 微博 QQ空间 【大 中 小】 打印 关闭</p>
    <p>根据《中华人民共和国政府信息公开条例》编制本报告。</p>
    <table><tr><td>当前位置：首页 &gt; 政务公开</td><td>信息内容</td><td>本年制发件数</td></tr>
    <tr><td>规章</td><td>0</td><td>微信 微博 QQ空间</td></tr><tr><td>规范性文件</td><td>1</td><td>2</td></tr></table>
    <p>版权所有：平潭综合实验区管委会 闽ICP备12345678号</p></div></body></html>"""
    read = strip_chrome(read_html(page.encode("utf-8"), "page.html"))
    text = read.text()
    identity = identify(text.split("\n"), text, None, read.meta)
    assert identity.title == TITLE and identity.unit == "平潭综合实验区交通与建设局"
    assert read.meta.get("时间") == "2022-01-10 08:51"
    cells = [c.text for b in read.blocks if isinstance(b, Grid) for row in b.rows for c in row]
    assert cells and not any("当前位置" in c or "首页" in c for c in cells)
    for chrome in ("当前位置", "微信", "打印", "版权所有"):
        assert chrome not in text


def test_cell_chrome_is_cut_but_cell_kept_in_place() -> None:
    grid = Grid([[Cell("微信 微博 QQ空间", "r1c1", 0, 0), Cell("5", "r1c2", 0, 1)]])
    read = strip_chrome(ReadResult("html", [grid]))
    row = read.blocks[0].rows[0]
    assert [c.text for c in row] == ["", "5"] and [c.col for c in row] == [0, 1]


@pytest.mark.parametrize("meta_path", sorted(REAL.glob("*.meta.json")), ids=lambda p: p.name.split(".")[0])
def test_real_text_reports_unit_year_region(meta_path: Path) -> None:
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    source = meta_path.with_name(meta_path.name.replace(".meta.json", ".txt"))
    document = extract_bytes(source, source.read_bytes()).document
    assert document["year"] == meta["year"]
    expected_unit = meta["township"] or None
    assert document["unit"] == expected_unit  # 017 has no unit name left: none is invented
    if "region_code" in meta:
        assert document["region_code"] == meta["region_code"]
    if expected_unit and expected_unit.startswith("平潭综合实验区"):
        assert (document["region_code"], document["unit_type"], document["county"]) == ("350128", "department", "平潭县")
    if expected_unit == "万潮镇":
        assert (document["region_code"], document["county"], document["unit_type"]) == ("522601106", "凯里市", "township")
    if not expected_unit:
        assert document["region_code"] is None and document["title"] is None


def test_a_breadcrumb_glued_to_the_body_does_not_eat_the_tables() -> None:
    body = "当前位置：首页政务公开年报" + "根据条例编制本报告" * 10 + "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数规章000"
    read = strip_chrome(ReadResult("text", [Paragraph(body, "line 1")]))
    assert "当前位置" not in read.text() and read.text().endswith("二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数规章000")


BODY = "本报告根据《中华人民共和国政府信息公开条例》和《关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》要求编制。本报告所列数据的统计期限自2019年1月1日起至2019年12月31日止。"


@pytest.mark.parametrize("page, unit, region", [
    # the breadcrumb, cut as chrome, leaves a space; the title runs straight into the body
    ("当前位置：首页»政务公开»政府信息公开»东湖区人民政府»政府信息公开年报 东湖区人民政府2019年政府信息公开工作年度报告" + BODY,
     "东湖区人民政府", "360102"),
    # a breadcrumb's last column glued to the title: the unit starts after it (chrome.csv title_lead)
    ("微信 微博 QQ空间 政府信息公开年报平潭综合实验区农业农村局2019年度政府信息公开工作年度报告" + BODY,
     "平潭综合实验区农业农村局", "350128"),
    # pdftotext: a space between the year and 年, the body after the title
    ("东湖区人民政府2019 年政府信息公开工作年度报告" + BODY, "东湖区人民政府", "360102"),
    ("东湖区人民政府 2019 年政府信息公开工作报告 " + BODY, "东湖区人民政府", "360102"),
    ("关于公布东湖区人民政府2019年政府信息公开工作年度报告的通知" + BODY, "东湖区人民政府", "360102"),
    ("分享到： 微信 微博 平潭综合实验区管理委员会2019年政府信息公开工作情况报告" + BODY, "平潭综合实验区管理委员会", "350128"),
])
def test_title_glued_to_the_body_of_a_one_line_page(page: str, unit: str, region: str) -> None:
    read = strip_chrome(ReadResult("text", [Paragraph(page + "一、总体情况" * 300, "line 1")]))
    identity = identify(read.text().split("\n"), read.text(), None, read.meta)
    assert (identity.unit, identity.year, identity.region.region_code) == (unit, 2019, region)


@pytest.mark.parametrize("page", [
    "根据条例，我局编制了2019年度政府信息公开年度报告" + BODY,  # prose before the year is no unit
    "某某新区管理处2019年政府信息公开工作年度报告" + BODY,  # names no division: never invented
    "点击查看东湖区人民政府2019年政府信息公开工作年度报告" + BODY,  # a prefix that is not a place or chrome
])
def test_an_inline_title_without_a_place_first_gives_no_unit(page: str) -> None:
    read = strip_chrome(ReadResult("text", [Paragraph(page + "一、总体情况" * 300, "line 1")]))
    identity = identify(read.text().split("\n"), read.text(), None, read.meta)
    assert identity.unit is None and identity.region.region_code is None
    assert identity.year == 2019  # from the statistical period
