"""The HTML reader on county-portal-like pages: encodings, CMS chrome, merged table cells."""
from __future__ import annotations

import codecs

import lxml.html
import pytest

from extractors.html import decode_html, read_html
from extractors.model import ExtractionError, Grid, Paragraph
from extractors.registry import read_bytes

# 镕 is in GBK but not in GB2312: a gb2312-labelled page holding it is what real portals serve.
CMS_PAGE = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>朱镕县2024年政府信息公开工作年度报告_朱镕县人民政府</title>
<style>.nav li {float:left} td {border:1px solid #000}</style>
<script type="text/javascript">var t = "<table><tr><td>脚本里的表</td><td>x</td></tr></table>"; document.write(t);</script>
</head>
<body>
<div class="top"><img src="logo.png" alt="朱镕县人民政府门户网站"/></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li><li><a href="/hdjl">互动交流</a></li></ul></div>
<div class="main">
  <div class="left-menu"><ul><li><a href="/a">政府信息公开指南</a></li><li><a href="/b">政府信息公开制度</a></li>
    <li><a href="/c">朱镕县2023年政府信息公开工作年度报告</a></li></ul></div>
  <div class="article">
    <div class="dqwz">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政府信息公开</a> &gt; 年度报告</div>
    <h1 class="title">朱镕县2024年政府信息公开工作年度报告</h1>
    <div class="info">发布时间：2025-01-20　来源：县政府办公室</div>
    <div class="TRS_Editor" id="zoom">
      <p>本报告由朱镕县人民政府办公室编制。</p>
      <p><strong>一、总体情况</strong></p>
      <p>2024年，朱镕县坚持以公开为常态。<br/>（一）主动公开情况。全年主动公开信息1234条。</p>
      <p>三、收到和处理政府信息公开申请情况</p>
      <table border="1" cellspacing="0">
        <thead>
        <tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，<br>等于第三项加第四项之和）</td>
            <td colspan="7">申请人情况</td></tr>
        <tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
        <tr><td>商业<br/>企业</td><td>科研<br/>机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
        </thead>
        <tbody>
        <tr><td colspan="3">一、本年新收政府信息公开申请</td><td>12</td><td>3</td><td>&nbsp;</td><td>0</td><td><span><font>0</font></span></td><td>1</td><td>16</td></tr>
        <tr><td rowspan="3">三、本年度办理结果</td><td colspan="2">（一）予以公开</td><td>5</td><td>1</td><td>&nbsp;</td><td>0</td><td>0</td><td>0</td><td>6</td></tr>
        <tr><td rowspan="2"><p>（三）不予公开</p></td><td>1.属于国家秘密</td><td>0</td><td>0</td><td>&nbsp;&nbsp;</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
        <tr><td>2.其他法律行政法规禁止公开</td><td>0</td><td>0</td><td>—</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
        </tbody>
        <tfoot>
        <tr><td colspan="3">四、结转下年度继续办理</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
        </tfoot>
      </table>
      <p>四、政府信息公开行政复议、行政诉讼情况</p>
      <p>五、存在的主要问题及改进情况</p>
    </div>
    <div class="share"><a href="#">分享到微信</a> <a href="javascript:window.print()">打印本页</a></div>
  </div>
</div>
<div class="footer"><p>主办：朱镕县人民政府办公室　地址：朱镕县人民路1号</p>
<p>版权所有 朱镕县人民政府　备案号00000000号</p></div>
<script>var _hmt = _hmt || [];</script>
</body>
</html>
"""
GBK_PAGE = CMS_PAGE.encode("gbk")


@pytest.fixture(scope="module")
def cms():
    return read_bytes(GBK_PAGE, "report.html")


def _grid(result) -> Grid:
    grids = [b for b in result.blocks if isinstance(b, Grid)]
    assert len(grids) == 1
    return grids[0]


def _at(grid: Grid, row: int, col: int):
    return next(c for line in grid.rows for c in line if (c.row, c.col) == (row, col))


def test_fixture_really_needs_gbk_beyond_gb2312():
    with pytest.raises(UnicodeDecodeError):
        GBK_PAGE.decode("gb2312")
    # and lxml, trusting the label, loses the page from the first 镕 on
    assert "年度报告" not in lxml.html.document_fromstring(GBK_PAGE).text_content()


def test_gb2312_label_decoded_as_gb18030_keeps_the_rare_character(cms):
    assert cms.format == "html"
    assert cms.blocks[0] == Paragraph(text="朱镕县2024年政府信息公开工作年度报告", ref="line 17")
    assert "朱镕县坚持以公开为常态" in cms.text()
    assert cms.warnings == []


def test_navigation_scripts_styles_and_footer_are_dropped(cms):
    text = cms.text()
    for noise in ("首页", "互动交流", "政府信息公开指南", "2023年政府信息公开", "脚本里的表", "float:left",
                  "_hmt", "分享到微信", "版权所有", "当前位置"):
        assert noise not in text, noise


def test_report_paragraphs_and_table_in_document_order(cms):
    order = [b.ref if isinstance(b, Grid) else b.text for b in cms.blocks]
    assert order[:3] == ["朱镕县2024年政府信息公开工作年度报告", "发布时间：2025-01-20　来源：县政府办公室",
                         "本报告由朱镕县人民政府办公室编制。"]
    assert order.index("一、总体情况") < order.index("三、收到和处理政府信息公开申请情况") < order.index("t1")
    assert order.index("t1") < order.index("四、政府信息公开行政复议、行政诉讼情况") < order.index("五、存在的主要问题及改进情况")
    # <br> in prose separates lines that were printed apart
    assert "（一）主动公开情况。全年主动公开信息1234条。" in order


def test_rowspan_colspan_expand_to_origin_and_copies(cms):
    grid = _grid(cms)
    assert len(grid.rows) == 8
    assert all([c.col for c in line] == list(range(10)) for line in grid.rows)
    corner = _at(grid, 0, 0)
    assert (corner.rowspan, corner.colspan, corner.is_span_copy) == (3, 3, False)
    assert corner.text == "（本列数据的勾稽关系为：第一项加第二项之和，\n等于第三项加第四项之和）"
    assert _at(grid, 2, 2).is_span_copy and _at(grid, 2, 2).text == corner.text
    result = [c for line in grid.rows for c in line if c.text == "三、本年度办理结果"]
    assert [(c.row, c.col, c.is_span_copy) for c in result] == [(4, 0, False), (5, 0, True), (6, 0, True)]
    assert result[0].rowspan == 3 and result[0].ref == "t1/r5/c1"
    withheld = _at(grid, 5, 1)
    assert (withheld.text, withheld.rowspan) == ("（三）不予公开", 2)
    assert _at(grid, 6, 1).is_span_copy
    total = _at(grid, 1, 9)
    assert total.text == "总计" and _at(grid, 2, 9).is_span_copy


def test_nbsp_is_blank_br_is_newline_nested_tags_are_text(cms):
    grid = _grid(cms)
    assert _at(grid, 3, 5).text == ""  # &nbsp;
    assert _at(grid, 5, 5).text == ""  # &nbsp;&nbsp;
    assert _at(grid, 6, 5).text == "—"
    assert _at(grid, 3, 7).text == "0"  # <span><font>0</font></span>
    assert _at(grid, 2, 4).text == "商业\n企业"
    values = [c.text for c in grid.rows[3] if not c.is_span_copy]
    assert values == ["一、本年新收政府信息公开申请", "12", "3", "", "0", "0", "1", "16"]


def test_thead_tbody_tfoot_keep_their_order(cms):
    grid = _grid(cms)
    assert grid.rows[0][3].text == "申请人情况"
    assert grid.rows[-1][0].text == "四、结转下年度继续办理"


def test_utf8_bom_and_meta_charset():
    page = "<html><head><meta charset=\"utf-8\"></head><body><h2>某县2024年政府信息公开工作年度报告</h2>" \
           "<table><tr><td>项目</td><td>数量</td></tr><tr><td>规章</td><td>3</td></tr>" \
           "<tr><td>行政规范性文件</td><td>&nbsp;</td></tr></table></body></html>"
    result = read_html(codecs.BOM_UTF8 + page.encode("utf-8"), "bom.html")
    assert result.blocks[0].text == "某县2024年政府信息公开工作年度报告"
    assert [[c.text for c in line] for line in _grid(result).rows] == [["项目", "数量"], ["规章", "3"], ["行政规范性文件", ""]]
    assert result.warnings == []


def test_undeclared_gbk_page_is_decoded_without_a_label():
    page = CMS_PAGE.replace('<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />', "")
    text, encoding = decode_html(page.encode("gbk"))
    assert encoding == "gb18030"
    assert "朱镕县2024年政府信息公开工作年度报告" in text


def test_declared_charset_forms():
    assert decode_html("<meta charset='GBK'>镕".encode("gbk"))[1] == "gb18030"
    assert decode_html('<?xml version="1.0" encoding="gb2312"?><html>镕</html>'.encode("gbk"))[1] == "gb18030"
    warnings: list[str] = []
    text, encoding = decode_html('<meta charset="gb2312"><p>政府</p>'.encode(), warnings)
    assert text.endswith("政府</p>") and encoding == "utf-8"
    assert warnings and "gb2312" in warnings[0]


LAYOUT_PAGE = """<html><head><meta charset="utf-8"></head><body>
<table width="100%"><tr><td class="topbar"><a href="/">首页</a> | <a href="/x">机构设置</a> | <a href="/y">政策文件</a></td></tr>
<tr><td><table width="980"><tr>
  <td width="200" valign="top"><table><tr><td><a href="/1">通知公告</a></td></tr><tr><td><a href="/2">部门动态</a></td></tr>
      <tr><td><a href="/3">乡镇动态</a></td></tr></table></td>
  <td valign="top">
    <div style="text-align:center;font-size:22px">某镇2024年政府信息公开工作年度报告</div>
    <div>一、总体情况</div><div>本年度某镇认真贯彻落实条例要求，做好政务公开。</div>
    <table border="1"><tr><td>行政复议</td><td colspan="2">行政诉讼</td></tr>
      <tr><td>结果维持</td><td>结果纠正</td><td>总计</td></tr><tr><td>0</td><td>1</td><td>1</td></tr></table>
    <div style="display:none">隐藏的统计代码</div>
  </td></tr></table></td></tr>
<tr><td style="text-align:center">版权所有：某镇人民政府 联系电话：0000-0000000 地址：某镇某路1号</td></tr>
</table></body></html>"""


def test_layout_tables_are_not_grids_and_report_is_found():
    result = read_html(LAYOUT_PAGE.encode("utf-8"), "layout.html")
    texts = [b.text for b in result.blocks if isinstance(b, Paragraph)]
    assert texts[:3] == ["某镇2024年政府信息公开工作年度报告", "一、总体情况", "本年度某镇认真贯彻落实条例要求，做好政务公开。"]
    grid = _grid(result)
    assert [[(c.text, c.is_span_copy) for c in line] for line in grid.rows][0] == [
        ("行政复议", False), ("行政诉讼", False), ("行政诉讼", True)]
    assert grid.rows[2][1].text == "1"
    text = result.text()
    for noise in ("首页", "通知公告", "乡镇动态", "隐藏的统计代码", "版权所有"):
        assert noise not in text, noise


def test_page_without_text_is_an_actionable_error():
    with pytest.raises(ExtractionError, match="no visible text"):
        read_html(b"<html><body><script>location.href='/x'</script></body></html>", "empty.html")
