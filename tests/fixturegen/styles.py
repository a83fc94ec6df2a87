"""Per-document presentation choices: how labels, digits, blanks and fonts are printed.

Each choice mirrors something seen in published reports. The chosen style is written into the
document's meta.json so a failing reader test can say which variant it failed on.
"""
from __future__ import annotations

import random
import re
from typing import Any

FONTS = ("宋体", "仿宋", "黑体", "仿宋_GB2312")
TXT_LAYOUTS = ("tsv", "cells", "markdown", "pipes")
TYPOS = {
    # template text -> typo seen in real reports (style["typos"] lists the typos printed)
    "本年废止件数": "本年度止件数",
    "2.其他法律行政法规禁止公开": "2.其他法律行政止公开",
    "3.危及“三安全一稳定”": "3.危及\"三安全一稳定\"",
}
_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def choose_style(rng: random.Random, template_version: str, **overrides: Any) -> dict[str, Any]:
    """A random but reproducible set of presentation choices for one document."""
    style: dict[str, Any] = {
        "font": rng.choice(FONTS),
        "paren": rng.choice(("full", "full", "half", "half_space")),  # （一） / (一) / (一) 
        "item_dot": rng.choice(("1.", "1.", "1、", "1. ")),
        "normative_label": "规范性文件" if template_version == "2019" else rng.choice(("行政规范性文件", "行政规范性文件", "规范性文件")),
        "social_org_label": rng.choice(("社会公益组织", "社会公益组织", "社会组织")),
        "label_spaces": rng.random() < 0.25,  # "结果 维持", "其他 结果"
        "typos": sorted(typo for right, typo in TYPOS.items()
                        if rng.random() < 0.12 and (template_version == "2021" or "废止" not in right)),
        "fullwidth_digits": rng.random() < 0.15,
        "blanks": rng.choice(("none",) * 5 + ("some",) * 2 + ("all_zero",)),
        "other_one_row": True if template_version == "2019" else rng.random() < 0.2,
        "other_row_form": rng.choice(("span", "empty_cell")),
        "unit_suffix": rng.random() < 0.4,  # 人民政府 / 办事处 after the township name
        "label_breaks": rng.random() < 0.3,  # manual line breaks inside narrow label cells
        "page_numbers": rng.random() < 0.6,  # "- N -" in the footer
        "html_encoding": rng.choice(("utf-8", "gbk")),
        "html_br_labels": rng.random() < 0.5,
        "html_layout_tables": rng.random() < 0.4,  # CMS navigation laid out with <table>
        "html_cells": "table",  # table | p (one <p> per cell) | div (a <div> per row, a <span> per cell)
        "docx_tables": "table",  # table | tab_rows (表格转换成文本: a paragraph per row) | cell_paragraphs
        "txt_layout": rng.choice(TXT_LAYOUTS),
        "txt_pad_spans": rng.random() < 0.3,  # tsv: a merged cell leaves empty columns behind
    }
    unknown = set(overrides) - set(style)
    if unknown:
        raise ValueError(f"unknown style keys: {sorted(unknown)}")
    style.update({k: v for k, v in overrides.items() if v is not None})
    if template_version == "2019":
        style["other_one_row"] = True
    return style


def digits(text: str, style: dict[str, Any]) -> str:
    return text.translate(_FULLWIDTH) if style["fullwidth_digits"] else text


def label(text: str, style: dict[str, Any]) -> str:
    """The template's label text as this document prints it."""
    for right, typo in TYPOS.items():
        if typo in style["typos"]:
            text = text.replace(right, typo)
    if style["paren"] != "full":
        space = " " if style["paren"] == "half_space" else ""
        text = re.sub(r"^（([一二三四五六七八九十]+)）", lambda m: f"({m.group(1)}){space}", text)
        text = re.sub(r"（([一二三四五六七八九十]+)）", r"(\1)", text)
    if style["item_dot"] != "1.":
        text = re.sub(r"^(\d)\.", lambda m: style["item_dot"].replace("1", m.group(1)), text)
    if style["normative_label"] != "行政规范性文件":
        text = text.replace("行政规范性文件", style["normative_label"])
    if style["social_org_label"] != "社会公益组织":
        text = text.replace("社会公益组织", style["social_org_label"])
    if style["label_spaces"]:
        text = {"结果维持": "结果 维持", "结果纠正": "结果 纠正", "其他结果": "其他 结果",
                "尚未审结": "尚未 审结", "总计": "总 计"}.get(text, text)
    return text


# Printed label -> the same label with manual line breaks, used when style["label_breaks"] is on.
LABEL_BREAKS = {
    "三、本年度办理结果": "三、本年度\n办理结果",
    "商业企业": "商业\n企业",
    "科研机构": "科研\n机构",
    "社会公益组织": "社会\n公益\n组织",
    "社会组织": "社会\n组织",
    "法律服务机构": "法律\n服务\n机构",
    "结果维持": "结果\n维持",
    "结果纠正": "结果\n纠正",
    "其他结果": "其他\n结果",
    "尚未审结": "尚未\n审结",
}
