"""The report as a county portal page: CMS chrome (navigation, scripts, footer) around the article.

Tables use rowspan/colspan taken from the DOCX merges, &nbsp; for blank cells and, in some pages,
<br> inside label cells. Pages are written in UTF-8 or in GBK labelled gb2312, as portals do.
"""
from __future__ import annotations

import html
import random
from typing import Any

from .structure import Para, Table

_NAV = ("首页", "政务公开", "政策文件", "政府信息公开", "办事服务", "互动交流", "走进{county}")
_SIDE = ("政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "依申请公开")


def _br_label(text: str) -> str:
    """Where a portal editor would press shift-enter in a long label."""
    for mark in ("、", "）"):
        i = text.find(mark)
        if 0 < i < len(text) - 2 and len(text) > 6:
            return html.escape(text[: i + 1]) + "<br>" + html.escape(text[i + 1 :])
    return html.escape(text)


def _cell(text: str, style: dict[str, Any], is_label: bool) -> str:
    if not text:
        return "&nbsp;"
    if style["html_br_labels"] and is_label:
        return _br_label(text) if "\n" not in text else "<br>".join(html.escape(t) for t in text.split("\n"))
    return "<br>".join(html.escape(t) for t in text.split("\n"))


def _is_value(text: str) -> bool:
    t = text.replace("．", ".").strip()
    return bool(t) and all(ch.isdigit() or ch == "." for ch in t)


def _table(table: Table, style: dict[str, Any], font: str) -> str:
    out = [
        '<table border="1" cellspacing="0" cellpadding="0" align="center" '
        'style="border-collapse:collapse;width:100%;font-size:14px;font-family:' + font + '">',
        "<tbody>",
    ]
    for row in table.rows:
        out.append("<tr>")
        for c in row:
            if c.covered:
                continue
            attrs = ""
            if c.colspan > 1:
                attrs += f' colspan="{c.colspan}"'
            if c.rowspan > 1:
                attrs += f' rowspan="{c.rowspan}"'
            align = "center" if (_is_value(c.text) or not c.text) else "left"
            out.append(
                f'<td{attrs} valign="middle" style="border:1px solid #000;padding:2px 4px;text-align:{align}">'
                f"<p>{_cell(c.text, style, not _is_value(c.text))}</p></td>"
            )
        out.append("</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _cells_as_elements(table: Table, style: dict[str, Any]) -> str:
    """A table without table markup, as CMS editors and WeChat re-posts print one: a <p> per
    cell (rows are lost), or a <div> per row holding a <span> per cell. A merged cell is
    printed once; a blank cell is an empty element; a label prints on one line."""
    def text(t: str) -> str:
        return html.escape(t.replace("\n", "")) if t else "&nbsp;"

    if style["html_cells"] == "p":
        cells = [c.text for row in table.rows for c in row if not c.covered]
        return "\n".join(f'<p style="text-align:center">{text(t)}</p>' for t in cells)
    out = ['<div class="table-like">']
    for row in table.rows:
        spans = "".join(f'<span class="td">{text(c.text)}</span>' for c in row if not c.covered)
        out.append(f'<div class="tr">{spans}</div>')
    out.append("</div>")
    return "\n".join(out)


def _nav(rng: random.Random, county: str, style: dict[str, Any]) -> str:
    links = [f'<a href="/{i}/index.html">{t.format(county=county)}</a>' for i, t in enumerate(_NAV)]
    if style["html_layout_tables"]:
        cells = "".join(f'<td class="nav-item">{a}</td>' for a in links)
        return f'<table class="nav" width="100%" cellpadding="0" cellspacing="0"><tr>{cells}</tr></table>'
    return '<div class="nav"><ul>' + "".join(f"<li>{a}</li>" for a in links) + "</ul></div>"


def _side(style: dict[str, Any]) -> str:
    items = [f'<a href="/xxgk/{i}.html">{t}</a>' for i, t in enumerate(_SIDE)]
    if style["html_layout_tables"]:
        return '<table class="side-menu" width="200">' + "".join(f"<tr><td>{a}</td></tr>" for a in items) + "</table>"
    return '<div class="side-menu"><ul>' + "".join(f"<li>{a}</li>" for a in items) + "</ul></div>"


def render_html(blocks: list[Para | Table], meta: dict[str, Any], style: dict[str, Any], rng: random.Random) -> bytes:
    county, year = meta["county"], meta["year"]
    charset = "gb2312" if style["html_encoding"] == "gbk" else "utf-8"
    title = next(b.text for b in blocks if isinstance(b, Para))
    published = f"{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"
    site_id = f"{meta['region_code'][:6]}{rng.randint(1000, 9999)}"
    body: list[str] = []
    for b in blocks:
        if isinstance(b, Table):
            body.append(_table(b, style, style["font"]) if style["html_cells"] == "table" else _cells_as_elements(b, style))
        elif b.title:
            continue  # printed in the article header
        elif b.heading:
            body.append(f'<p style="text-indent:2em"><strong>{html.escape(b.text)}</strong></p>')
        else:
            body.append(f'<p style="text-indent:2em;line-height:1.8">{html.escape(b.text)}</p>')
    meta_tag = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        if rng.random() < 0.5
        else f'<meta charset="{charset}">'
    )
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{meta_tag}
<meta name="SiteName" content="{html.escape(county)}人民政府">
<meta name="SiteDomain" content="www.example.gov.cn">
<meta name="SiteIDCode" content="{site_id}">
<meta name="ArticleTitle" content="{html.escape(title)}">
<meta name="PubDate" content="{published} 09:{rng.randint(10, 59)}">
<title>{html.escape(title)}_{html.escape(county)}人民政府</title>
<link rel="stylesheet" href="/css/common.css">
<script src="/js/jquery-1.12.4.min.js"></script>
<script>
var _hmt = _hmt || [];
var articleId = {rng.randint(100000, 999999)}, channelId = {rng.randint(100, 999)};
function fontSize(n) {{ document.getElementById("zoom").style.fontSize = n + "px"; }}
</script>
</head>
<body>
<div class="top-bar">欢迎访问{html.escape(county)}人民政府门户网站 <a href="/wza/">无障碍</a> <a href="/mobile/">手机版</a></div>
<div class="header"><img src="/images/logo.png" alt="{html.escape(county)}人民政府"></div>
{_nav(rng, county, style)}
<div class="main">
{_side(style)}
<div class="article">
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">政府信息公开</a> &gt; <a href="/xxgk/ndbg/">政府信息公开年报</a></div>
<h1 class="article-title">{html.escape(title)}</h1>
<div class="article-info">发布时间：{published} &nbsp; 来源：{html.escape(meta["unit"])} &nbsp; 浏览次数：<span id="hits">{rng.randint(20, 3000)}</span>
 &nbsp; 字号：[<a href="javascript:fontSize(18)">大</a> <a href="javascript:fontSize(16)">中</a> <a href="javascript:fontSize(14)">小</a>]</div>
<div class="TRS_Editor" id="zoom">
{chr(10).join(body)}
</div>
<div class="article-tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
</div>
<div class="footer">
<p>主办：{html.escape(county)}人民政府办公室 &nbsp; 承办：{html.escape(county)}政务服务数据管理局</p>
<p>网站标识码：{site_id} &nbsp; ICP备{rng.randint(10000000, 99999999)}号-1 &nbsp; 公网安备 {meta["region_code"][:6]}02000{rng.randint(100, 999)}号</p>
<p>联系电话：0{rng.randint(310, 999)}-{rng.randint(2000000, 8999999)} &nbsp; 技术支持：某某信息技术有限公司</p>
</div>
<script>
(function() {{ var hm = document.createElement("script"); hm.src = "https://hm.example.com/hm.js?{rng.getrandbits(64):016x}";
var s = document.getElementsByTagName("script")[0]; s.parentNode.insertBefore(hm, s); }})();
</script>
</body>
</html>
"""
    if style["html_encoding"] == "gbk":
        return page.encode("gbk", errors="xmlcharrefreplace")
    return page.encode("utf-8")
