"""The brief's four charts as SVG text, drawn with matplotlib, to embed in the page (nothing is fetched).

Text stays text in the SVG (svg.fonttype 'none'), so the figures can be found in the page and the
browser draws the Chinese with the system's CJK font (Debian fonts-noto-cjk); matplotlib only
measures with it. The same four charts as the workbook's summary: requests by county, outcome
shares by county, the scope's years, townships reporting by county.
"""
from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from warehouse.figures import OUTCOME_SHARES, Figures  # noqa: E402

CJK_FONTS = ["Noto Sans CJK SC", "Noto Serif CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "DejaVu Sans"]
COLORS = ["#4472C4", "#A5A5A5", "#ED7D31", "#FFC000", "#5B9BD5", "#70AD47"]
STYLE = {"svg.fonttype": "none", "font.family": "sans-serif", "font.sans-serif": CJK_FONTS, "font.size": 9,
         "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "gongkai"}


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and doctype: the SVG sits inside HTML


def _height(rows: int) -> float:
    return max(2.2, 0.35 * rows + 1.2)


def requests_by_county(counties: pd.DataFrame) -> str:
    fig, ax = plt.subplots(figsize=(6, _height(len(counties))))
    values = counties["received_total"].astype(float)
    bars = ax.barh(counties["county"], values.fillna(0), color=COLORS[0])
    for bar, value in zip(bars, values):
        ax.annotate("未填报" if math.isnan(value) else f"{value:,.0f}", (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    xytext=(3, 0), textcoords="offset points", va="center")
    ax.invert_yaxis()
    ax.set_title("各县区本年新收申请（件）")
    return _svg(fig)


def outcome_shares(counties: pd.DataFrame) -> str:
    fig, ax = plt.subplots(figsize=(6, _height(len(counties)) + 0.6))
    left = pd.Series(0.0, index=counties.index)
    for (column, label), color in zip(OUTCOME_SHARES.items(), COLORS):
        share = counties[column].astype(float).fillna(0)
        ax.barh(counties["county"], share, left=left, label=label, color=color)
        left += share
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.invert_yaxis()
    ax.legend(ncol=6, loc="upper center", bbox_to_anchor=(0.5, -0.15), frameon=False, fontsize=8)
    ax.set_title("各县区办理结果构成（占办理结果总计）")
    return _svg(fig)


def years(series: pd.DataFrame, name: str) -> str:
    fig, ax = plt.subplots(figsize=(6, 2.6))
    for column, label, color in (("received_total", "本年新收申请", COLORS[0]), ("granted_total", "予以公开", COLORS[2])):
        ax.plot(series["year"].astype(int), series[column].astype(float), marker="o", label=label, color=color)
    ax.set_xticks(series["year"].astype(int))
    ax.legend(frameon=False)
    ax.set_title(f"{name} 历年申请数（件）")
    return _svg(fig)


def coverage(counties: pd.DataFrame) -> str:
    fig, ax = plt.subplots(figsize=(6, _height(len(counties)) + 0.4))
    reporting = counties["townships_reporting"].astype(float).fillna(0)
    missing = counties["townships_missing"].astype(float).fillna(0)
    ax.barh(counties["county"], reporting, color=COLORS[0], label="已报送乡镇")
    ax.barh(counties["county"], missing, left=reporting, color=COLORS[2], label="未报送乡镇")
    ax.invert_yaxis()
    ax.legend(ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.15), frameon=False)
    ax.set_title("各县区乡镇（街道）报送情况（个）")
    return _svg(fig)


def all_charts(figures: Figures) -> dict[str, str]:
    """Chart name -> SVG text; a chart without data is left out."""
    with plt.rc_context(STYLE):
        out = {}
        if len(figures.counties):
            out["requests_by_county"] = requests_by_county(figures.counties)
            out["outcome_shares"] = outcome_shares(figures.counties)
            out["coverage"] = coverage(figures.counties)
        if len(figures.years):
            out["years"] = years(figures.years, figures.region.name)
        return out
