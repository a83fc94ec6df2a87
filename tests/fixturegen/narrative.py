"""Narrative sentences that differ from unit to unit, as real reports' 一, 五 and 六 do.

Real reports share the template's headings and a few stock phrases, not their paragraphs; the
assessment's originality rule (copied from last year or from a neighbour) must see clean reports
as different and planted copies as alike. Sentences are built from fragment pools with their own
random stream (seeded by unit and year), so the values and styles of a document do not change.
"""
from __future__ import annotations

import random

_WHO = ("我镇", "我街道", "本单位", "我乡", "镇党委政府", "街道党工委", "乡政府", "我们")
_HOW = ("以群众需求为导向", "紧扣中心工作", "坚持问题导向", "对标上级考核要求", "立足基层实际", "围绕乡村振兴",
        "聚焦营商环境", "结合“放管服”改革", "突出重点领域", "坚持公开为常态")
_DID = ("梳理完善主动公开基本目录", "更新村务公开栏", "规范政务新媒体账号管理", "建立信息发布三级审核台账",
        "开展政策文件集中解读", "组织村（社区）干部专题培训", "推进惠民惠农财政补贴公开", "完善依申请公开登记流程",
        "落实公开属性源头认定", "优化政府网站专栏设置", "开展公开内容自查整改", "加强涉农资金公示",
        "推行重大决策预公开", "公开低保特困救助信息", "更新办事指南和服务事项", "整理归档历年公开资料")
_RESULT = ("群众知晓率明显提升", "信息发布更加及时准确", "公开质量稳步提高", "办事群众满意度持续上升",
           "基层公开规范化水平进一步提高", "社会关切得到及时回应", "未发生泄密和失密事件", "公开工作机制更加健全")
_WEAK = ("政策解读形式较为单一", "个别栏目更新不够及时", "村级公开内容不够细化", "工作人员业务能力参差不齐",
         "公开平台互动功能较弱", "依申请公开办理规范化程度有待提高", "图解和视频解读数量偏少", "信息公开与业务工作结合不够紧密")
_NEXT = ("加强业务培训和考核督导", "丰富图文、音视频等解读形式", "完善栏目维护责任清单", "强化发布前保密审查",
         "推动公开向村（社区）延伸", "健全常态化自查机制", "拓展线上线下公开渠道", "加强与县级部门的工作衔接")
_OTHER = ("本年度未收取信息处理费", "本年度未发生信息处理费收费情况", "按规定未向申请人收取任何费用",
          "本机关本年度无收费事项", "本年度没有产生信息公开处理费")
_OTHER_MORE = ("无其他需要报告的事项", "人大代表建议和政协委员提案办理结果已按要求公开", "年度工作要点已在门户网站公布",
               "政务公开工作纳入年度绩效考核", "无需要说明的其他事项")


def _rng(unit: str, year: int, part: str) -> random.Random:
    return random.Random(f"narrative:{unit}:{year}:{part}")


def overview_sentences(unit: str, year: int) -> list[str]:
    rng = _rng(unit, year, "overview")
    out = []
    for did in rng.sample(_DID, 4):
        out.append(f"{rng.choice(_WHO)}{rng.choice(_HOW)}，{did}，{rng.choice(_RESULT)}。")
    return out


_LABELS = (("主动公开", "主动公开情况", "主动公开工作", "信息主动公开"),
           ("政府信息管理", "信息发布审核", "公开制度建设", "公开属性管理"),
           ("平台建设", "公开平台建设", "政务新媒体", "公开渠道建设"),
           ("监督保障", "监督考核", "组织保障", "队伍建设"))
_CHANNELS = ("全年通过政府门户网站、政务新媒体和镇村公开栏", "依托门户网站专栏和微信公众号", "通过政府网站信息公开专栏",
             "利用公开栏、电子屏和网站等渠道", "在政务公开专区和村务公开栏")
_REQUESTS = ("全年",)  # tests look for 全年共收到政府信息公开申请N件
_ANSWERED = ("均在法定期限内予以答复", "已全部按时办结", "均依法依规作出答复", "全部在规定时限内办理完毕")
_TRAINING = ("全年组织业务培训{n}次。", "开展专题培训{n}场次。", "组织学习{n}次。", "举办培训班{n}期。")


def overview_wording(unit: str, year: int) -> dict:
    """The wording around the numbers of 一、总体情况 (the numbers themselves come from the document's stream)."""
    rng = _rng(unit, year, "wording")
    return {"labels": [rng.choice(group) for group in _LABELS], "channels": rng.choice(_CHANNELS),
            "requests": rng.choice(_REQUESTS), "answered": rng.choice(_ANSWERED), "training": rng.choice(_TRAINING)}


def problem_sentences(unit: str, year: int) -> list[str]:
    rng = _rng(unit, year, "problems")
    weak = "、".join(rng.sample(_WEAK, 2))
    steps = "，".join(rng.sample(_NEXT, 3))
    return [f"{year}年政府信息公开工作仍存在{weak}等问题。", f"下一步，{rng.choice(_WHO)}将{steps}。"]


def other_sentences(unit: str, year: int) -> list[str]:
    rng = _rng(unit, year, "other")
    return [f"{rng.choice(_OTHER)}。", f"{rng.choice(_OTHER_MORE)}。"]
