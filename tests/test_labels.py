"""Label normalisation and the label maps: variants printed in real reports map to one metric."""
from __future__ import annotations

import pytest

from transforms.catalog import match_label
from transforms.labels import label_key

ROW3 = frozenset({"row3"})


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("（一）予以公开", "予以公开"),
        ("(一) 予以公开", "予以公开"),
        ("三、本年度办理结果", "本年度办理结果"),
        ("1. 属于国家秘密", "属于国家秘密"),
        ("结果 维持", "结果维持"),
        ("自\n然\n人", "自然人"),
        ("３．危及“三安全一稳定”", "危及三安全一稳定"),
        ("本年收费金额（单位：万元）", "本年收费金额单位万元"),
    ],
)
def test_label_key(printed: str, expected: str) -> None:
    assert label_key(printed) == expected


@pytest.mark.parametrize(
    ("printed", "kinds", "target"),
    [
        ("规范性文件", {"row2"}, "normative_docs"),
        ("行政规范性文件", {"row2"}, "normative_docs"),
        ("社会组织", {"header3"}, "social_org"),
        ("社会公益组织", {"header3"}, "social_org"),
        ("本年度止件数", {"col2"}, "repealed"),
        ("本年收费金额(单位: 万元)", {"col2"}, "amount"),
        ("(二) 部分公开(区分处理的, 只计这一情形, 不计其他情形)", ROW3, "requests.partially_granted"),
        ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ROW3, "requests.partially_granted"),
        ("2.其他法律行政止公开", ROW3, "requests.denied.prohibited_by_law"),
        ("1. 本机关不掌握相关", ROW3, "requests.unavailable.not_held"),
        ("2. 申请人逾期未按照收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", ROW3, "requests.other.fee_unpaid"),
        ("1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", ROW3, "requests.other.no_correction"),
        ("（六）其他处理", ROW3, "requests.other"),
        ("四、结转下年度继续办理", ROW3, "requests.carried_forward"),
    ],
)
def test_label_variants_match(printed: str, kinds: set[str], target: str) -> None:
    match = match_label(printed, frozenset(kinds))
    assert match is not None and match.entry.target == target


@pytest.mark.parametrize("printed", ["政府信息", "合计金额", "备注", ""])
def test_unrelated_labels_do_not_match_rows(printed: str) -> None:
    assert match_label(printed, ROW3) is None
