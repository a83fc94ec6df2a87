"""The prose of a report: title, statistical-period sentence and the text under each heading.

Real reports carry numbers in their prose too (posts published, requests received); readers and
the prose-vs-table checks must cope with them, so the generator writes some.
"""
from __future__ import annotations

import random
from typing import Any

from .narrative import other_sentences, overview_sentences, overview_wording, problem_sentences


def _p(style: dict[str, Any], n: str) -> str:
    return {"full": f"（{n}）", "half": f"({n})", "half_space": f"({n}) "}[style["paren"]]


def title(unit: str, year: int) -> str:
    return f"{unit}{year}年政府信息公开工作年度报告"


def preamble(rng: random.Random, unit: str, year: int, template_version: str) -> list[str]:
    notice = "国办公开办函〔2021〕30号" if template_version == "2021" else "国办公开办函〔2019〕60号"
    period = f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
    first = (
        f"本报告根据《中华人民共和国政府信息公开条例》（国务院令第711号，以下简称《条例》）和"
        f"《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》"
        f"（{notice}）要求，由{unit}编制。"
    )
    contact = f"如对本报告有疑问，请与{unit}党政综合办公室联系（电话：0{rng.randint(310, 999)}-{rng.randint(2000000, 8999999)}）。"
    if rng.random() < 0.5:
        return [first + period + contact]
    return [first, period, contact]


def overview(rng: random.Random, style: dict[str, Any], township: str, year: int, received: int) -> list[str]:
    posts = rng.randint(30, 900)
    policies, news = rng.randint(0, 20), rng.randint(10, 300)
    trainings = rng.randint(1, 6)
    v = overview_sentences(township, year)
    w = overview_wording(township, year)
    return [
        f"{year}年，" + v[0],
        f"{_p(style, '一')}{w['labels'][0]}。{w['channels']}主动公开各类政府信息{posts}条，"
        f"其中政策文件{policies}条、工作动态{news}条。",
        f"{_p(style, '二')}依申请公开。{w['requests']}共收到政府信息公开申请{received}件"
        + (f"，{w['answered']}。" if received else "，无依申请公开事项。"),
        f"{_p(style, '三')}{w['labels'][1]}。{v[1]}",
        f"{_p(style, '四')}{w['labels'][2]}。{v[2]}",
        f"{_p(style, '五')}{w['labels'][3]}。{w['training'].format(n=trainings)}{v[3]}",
    ]


def problems(rng: random.Random, year: int, unit: str = "") -> list[str]:
    rng.choice((0, 1))  # the stream other parts of the document draw from stays as it was
    return problem_sentences(unit, year)


def other_matters(rng: random.Random, year: int, unit: str = "") -> list[str]:
    rng.choice((0, 1))  # the stream other parts of the document draw from stays as it was
    return other_sentences(unit, year)
