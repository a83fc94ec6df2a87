"""The prose of a report: title, statistical-period sentence and the text under each heading.

Real reports carry numbers in their prose too (posts published, requests received); readers and
the prose-vs-table checks must cope with them, so the generator writes some.
"""
from __future__ import annotations

import random
from typing import Any


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
    lines = [
        f"{year}年，{township}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《条例》和上级关于政务公开工作的部署要求，"
        f"健全工作机制，规范公开流程，政府信息公开工作取得了新成效。",
        f"{_p(style, '一')}主动公开。全年通过政府门户网站、政务新媒体和镇村公开栏主动公开各类政府信息{posts}条，"
        f"其中政策文件{rng.randint(0, 20)}条、工作动态{rng.randint(10, 300)}条。",
        f"{_p(style, '二')}依申请公开。全年共收到政府信息公开申请{received}件"
        + ("，均在法定期限内予以答复。" if received else "，无依申请公开事项。"),
        f"{_p(style, '三')}政府信息管理。严格落实政府信息公开审查制度，坚持“先审后发”，确保发布信息准确规范。",
        f"{_p(style, '四')}平台建设。持续做好政府网站{township}专栏和政务新媒体的日常维护，及时更新公开内容。",
        f"{_p(style, '五')}监督保障。明确专人负责政务公开工作，全年组织业务培训{rng.randint(1, 6)}次，未发生责任追究情况。",
    ]
    return lines


def problems(rng: random.Random, year: int) -> list[str]:
    return [
        rng.choice((
            f"{year}年，我单位政府信息公开工作取得了一定成效，但仍存在公开内容不够丰富、更新不够及时等问题。",
            "对照上级要求，仍存在政策解读形式单一、工作人员业务水平有待提高等不足。",
        )),
        f"下一步，我们将加强业务培训，丰富公开形式，推动政务公开工作在{year + 1}年再上新台阶。",
    ]


def other_matters(rng: random.Random, year: int) -> list[str]:
    return [
        rng.choice((
            f"本年度未收取信息处理费。",
            f"{year}年度本机关未发生收取信息处理费的情况。",
        )),
        "本年度无其他需要报告的事项。",
    ]
