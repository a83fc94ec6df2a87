"""A one-file brief per scope (province, city or county) and year: HTML that opens offline, and its PDF.

The page holds the key figures with their explanations, four charts (SVG from matplotlib, inline),
a table per county of its units, the townships that did not report and the largest failed checks
with the file and position of the number. Nothing is fetched: no script, no font, no image link.
The PDF is printed by headless Debian chromium; when it is missing the HTML is still written and
one line says how to install it.
"""
from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd

from warehouse import charts, zh
from warehouse.figures import Figures, format_key
from warehouse.scope import LEVEL_ZH

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars"]
PDF_TIMEOUT_S = 120
CHART_ORDER = ("requests_by_county", "outcome_shares", "years", "coverage")
INSTALL_HINT = "install it with `bash scripts/install-system-deps.sh` (Debian package chromium)"
CSS = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; color: #222;
       font-size: 10.5pt; line-height: 1.45; margin: 0 auto; max-width: 190mm; }
h1 { font-size: 17pt; margin: 0 0 2mm; } h2 { font-size: 13pt; margin: 7mm 0 2mm; border-bottom: 1px solid #9bb; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; }
.meta { color: #555; font-size: 9pt; }
.figures { display: grid; grid-template-columns: repeat(2, 1fr); gap: 2mm 4mm; }
.figure { border: 1px solid #cdd; border-radius: 2mm; padding: 2mm 3mm; break-inside: avoid; }
.figure .label { color: #446; font-size: 9pt; } .figure .value { font-size: 16pt; font-weight: bold; }
.figure .why { color: #555; font-size: 8.5pt; }
.charts { display: grid; grid-template-columns: repeat(2, 1fr); gap: 3mm; }
.chart { break-inside: avoid; } .chart svg { width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin-bottom: 2mm; }
th, td { border: 1px solid #ccd; padding: 1mm 1.5mm; vertical-align: top; }
th { background: #e8eef6; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
thead { display: table-header-group; } tr { break-inside: avoid; }
table.failed td:nth-child(1) { white-space: nowrap; } table.failed td:nth-child(4) { white-space: nowrap; }
table.failed td:nth-child(5) { word-break: break-all; font-size: 8pt; width: 22%; }
.missing { columns: 4; font-size: 9pt; } .note { color: #666; font-size: 8.5pt; }
"""
UNIT_COLUMNS = {"unit": "单位", "unit_type_zh": "类型", "received_total": "本年新收申请", "granted_total": "予以公开",
                "outcomes_total": "办理结果总计", "review_total": "行政复议", "litigation_total": "行政诉讼", "failed_checks": "未通过检查"}
FAILED_COLUMNS = {"unit": "单位", "description": "规则", "detail_zh": "问题", "source_ref_zh": "原文位置", "source": "文件"}


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return '<td class="n">—</td>'
    if isinstance(value, (int, float)):
        return f'<td class="n">{_e(zh.number(value))}</td>'
    return f"<td>{_e(value)}</td>"


def _table(frame: pd.DataFrame, columns: dict[str, str], css: str = "") -> str:
    head = "".join(f"<th>{_e(label)}</th>" for label in columns.values())
    body = "".join("<tr>" + "".join(_cell(row[c]) for c in columns) + "</tr>" for _, row in frame.iterrows())
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def render(figures: Figures) -> str:
    """The brief as one HTML document."""
    region, year = figures.region, figures.year
    title = f"{region.name} {year}年政府信息公开工作年度报告情况简报"
    scope = LEVEL_ZH.get(region.level, region.level)
    place = region.name if region.level == "province" else f"{region.province}{region.name}"
    cards = "".join(
        f'<div class="figure" data-figure="{_e(f.figure_id)}"><div class="label">{_e(f.label_zh)}</div>'
        f'<div class="value">{_e(format_key(f))}</div><div class="why">{_e(f.explanation_zh)}</div></div>'
        for f in figures.key)
    svgs = charts.all_charts(figures)
    chart_html = "".join(f'<div class="chart" data-chart="{name}">{svgs[name]}</div>' for name in CHART_ORDER if name in svgs)
    counties = []
    for county, units in figures.units.groupby("county", sort=False, dropna=False):
        name = county if isinstance(county, str) else "（未归入县区）"
        counties.append(f'<h3>{_e(name)}（{len(units)} 个单位）</h3>{_table(units, UNIT_COLUMNS)}')
    missing = []
    for county, towns in figures.missing.groupby("county", sort=False):
        missing.append(f"<h3>{_e(county)}：{len(towns)} 个</h3><div class=\"missing\">"
                       + "".join(f"<div>{_e(t)}</div>" for t in towns["township"]) + "</div>")
    failed = (_table(figures.failed, FAILED_COLUMNS, "failed") if len(figures.failed)
              else "<p>本年度没有未通过的勾稽检查。</p>")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(title)}</title>
<meta name="generator" content="gongkai"><style>{CSS}</style></head>
<body data-region="{_e(region.region_code)}" data-year="{year}">
<h1>{_e(title)}</h1>
<p class="meta">范围：{_e(place)}（{_e(scope)}，区划代码 {_e(region.region_code)}）；
统计年度 {year} 年；数据来自各单位公开的年度报告，由 gongkai 提取，生成于 {date.today().isoformat()}。
空白不计为 0；勾稽检查不通过只记录问题，报告的数字不作改动。</p>
<h2>关键指标</h2><div class="figures">{cards}</div>
<h2>图表</h2><div class="charts">{chart_html}</div>
<h2>分县区单位情况</h2>{"".join(counties) or "<p>没有报送单位。</p>"}
<h2>未报送年度报告的乡镇（街道）</h2>
<p class="note">已有报告的县区中，本年度没有现行报告的乡镇（街道），按行政区划名录。</p>{"".join(missing) or "<p>全部已报送。</p>"}
<h2>差异最大的未通过检查</h2>
<p class="note">按报告数与分项合计（或参照数）之差排列，最多 {len(figures.failed) if len(figures.failed) else 0} 项；“原文位置”指报告数所在的行或格子。</p>
{failed}
</body></html>
"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_pdf(html_path: Path, pdf_path: Path, notice: Callable[[str], None]) -> Path | None:
    """Print the HTML to PDF with headless chromium in a fresh profile; None (and one line) when it cannot."""
    browser = chromium()
    if browser is None:
        notice(f"{html_path.name}: the PDF needs chromium, which is not installed; {INSTALL_HINT}")
        return None
    profile = tempfile.mkdtemp(prefix="gongkai-chromium-")
    try:
        result = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                                 f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()],
                                capture_output=True, text=True, timeout=PDF_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        notice(f"{pdf_path.name}: chromium did not finish within {PDF_TIMEOUT_S} s; the HTML brief is written, run the export again")
        return None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if result.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        pdf_path.unlink(missing_ok=True)
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1][:200]
        notice(f"{pdf_path.name}: chromium could not print the brief ({reason}); the HTML brief is written")
        return None
    return pdf_path


def write(figures: Figures, path_for: Callable[[str], Path], stem: str, notice: Callable[[str], None], pdf: bool = True) -> list[Path]:
    """Write <stem>.html and, when asked and possible, <stem>.pdf at the staged paths path_for(name) gives."""
    html_path = path_for(f"{stem}.html")
    html_path.write_text(render(figures), encoding="utf-8")
    written = [html_path]
    if pdf and print_pdf(html_path, html_path.with_name(f"{stem}.pdf"), notice):
        written.append(path_for(f"{stem}.pdf"))  # declared only once it exists: a failed print leaves no entry
    return written
