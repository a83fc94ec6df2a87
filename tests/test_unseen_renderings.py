"""Issue 10's bar on renderings the readers never saw: crawler pages, copy-pastes, search excerpts.

tests/fixturegen/crawler_render.py prints reports with known truth (generated reports of townships,
counties, departments and special zones, 2019-2025, both templates; the two real PDFs through
pdftotext) the way the wild keeps them, and this test counts every truth cell as right, NULL or a
wrong number. The whole set is measured once per session (seeded, deterministic).

Issue 10's "Done when" asks for right >= 95%, wrong < 0.2%, unit/year >= 95% and 平潭 units resolving
to 350128; wrong, unit/year and 平潭 are asserted at the goal, right at what main meets. Reproduce with
    .venv/bin/python -m tests.fixturegen.crawler_render --report
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixturegen.crawler_render import (  # noqa: E402
    PDF_RENDERINGS,
    REAL_PDFS,
    RENDERINGS,
    ZONE,
    ZONE_CODE,
    Result,
    format_report,
    measure_all,
    render,
    renderings,
    summary,
)

N_DOCS = 16
pytestmark = pytest.mark.slow  # ~40 s of extraction CPU (one 2019 report takes 14 s in the splitter)
SEED = 10
# What main meets now (raise them as the readers improve; the goals are in the comments).
# 洪泽区's pdftotext raw text is out of row order in section 三: its positional cells the identities do not
# confirm are NULL (transforms/row_order.py), the 4 that were wrong and 17 right only by position.
RIGHT_MIN = 0.953  # the goal is 0.95; main: 95.41% (95.04% before empty paragraphs were read as empty cells)
WRONG_MAX = 0.002  # the goal (< 0.2%); main: 0 of 25,246 cells
UNIT_YEAR_MIN = 0.95  # the goal; main: 100% (152 of 152; seeds 11 and 12: 100% too)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[Result]:
    return measure_all(renderings(N_DOCS, SEED, workdir=tmp_path_factory.mktemp("crawler")))


@pytest.fixture(scope="module")
def report(results: list[Result]) -> str:
    return format_report(results)


def test_every_rendering_and_document_is_measured(results: list[Result]) -> None:
    table = summary(results)
    for name in RENDERINGS:
        assert table[name].documents == N_DOCS, name
    for name in PDF_RENDERINGS:
        assert table[name].documents == 2, name
    assert table["ALL"].cells > 20_000


def test_excerpts_hold_only_visible_cells(results: list[Result]) -> None:
    for res in results:
        r = res.rendering
        assert set(r.truth) <= set(r.source.truth)
        if r.rendering.startswith("excerpt"):
            assert 0 < len(r.truth) < len(r.source.truth), r.name
            assert not any(k[0].startswith("appeals.") for k in r.truth), r.name
        else:
            assert r.truth == r.source.truth, r.name


def test_renderings_are_deterministic(tmp_path) -> None:
    from tests.fixturegen.crawler_render import generated_sources

    a = generated_sources(2, SEED, tmp_path / "a")
    b = generated_sources(2, SEED, tmp_path / "b")
    for sa, sb in zip(a, b):
        for kind in RENDERINGS:
            assert render(sa, kind, SEED).text == render(sb, kind, SEED).text


def test_right_share(results: list[Result], report: str) -> None:
    total = summary(results)["ALL"]
    assert total.right / total.cells >= RIGHT_MIN, report


def test_wrong_share(results: list[Result], report: str) -> None:
    total = summary(results)["ALL"]
    assert total.wrong / total.cells < WRONG_MAX, report


def test_unit_and_year(results: list[Result], report: str) -> None:
    total = summary(results)["ALL"]
    assert total.unit_right / total.documents >= UNIT_YEAR_MIN, report
    assert total.year_right / total.documents >= 0.95, report


def test_pingtan_units_resolve_to_350128(results: list[Result]) -> None:
    """The special zone's departments (平潭综合实验区…局) take 平潭县's code in every rendering."""
    zone = [res for res in results if res.rendering.source.unit_kind == "zone"]
    assert zone and all(res.rendering.source.unit.startswith(ZONE) for res in zone)
    assert [res.rendering.name for res in zone if res.region_code != ZONE_CODE] == []


@pytest.mark.parametrize("name", [f"{pdf}.{kind}.txt" for pdf in REAL_PDFS for kind in PDF_RENDERINGS])
def test_real_pdf_texts_have_no_wrong_number(name: str, results: list[Result], report: str) -> None:
    res = next(res for res in results if res.rendering.name == name)
    assert not res.wrong, f"{name}\n{report}"
