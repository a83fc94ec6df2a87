"""The brief (issue 13 item 2): offline HTML with inline SVG charts, rendered by real headless chromium, and its PDF.

Expected figures come from the generator's truth files and data/admin_divisions.
"""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from warehouse_corpus import Corpus, townships_of

from conftest import ROOT, query_one
from warehouse import brief
from warehouse.export import write_brief

CHROMIUM = brief.chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/install-system-deps.sh)")


@pytest.fixture(scope="module")
def county_brief(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], list[str]]:
    """The brief of the victim's county and year (it has a failed carry-over check), HTML and PDF."""
    out = tmp_path_factory.mktemp("brief")
    notices: list[str] = []
    county = _county_name(corpus, corpus.victim.county_code)
    written = write_brief(corpus.db, out, county, corpus.victim.year, pdf=CHROMIUM is not None, notice=notices.append)
    return out, written, notices


def _county_name(corpus: Corpus, code: str) -> str:
    return query_one(corpus.db, "SELECT name FROM dim_region WHERE region_code = ?", [code])[0]


def _chromium(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="gongkai-test-chromium-") as profile:
        return subprocess.run([CHROMIUM, *brief.CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=timeout)


@pytest.fixture(scope="module")
def dom(county_brief) -> str:
    html = next(p for p in county_brief[1] if p.suffix == ".html")
    result = _chromium("--dump-dom", html.as_uri())
    assert result.returncode == 0, result.stderr[-500:]
    return result.stdout


def test_the_brief_opens_offline(county_brief) -> None:
    _, written, _ = county_brief
    html = next(p for p in written if p.suffix == ".html").read_text(encoding="utf-8")
    assert "<script" not in html and "<link" not in html and "<img" not in html and "@import" not in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert not re.search(r"url\((?!['\"]?#)", html)  # only references inside the page (SVG clip paths)
    assert html.count("<svg") == 4 and len(re.findall(r'data-chart="', html)) == 4


@needs_chromium
@pytest.mark.slow
def test_chromium_renders_the_figures_and_the_charts_in_the_dom(corpus: Corpus, dom: str) -> None:
    victim = corpus.victim
    reports = [r for r in corpus.reports if r.year == victim.year and r.county_code == victim.county_code]
    received = sum(r.truth[("requests.received", "total")] for r in reports)
    card = re.search(r'data-figure="received_total".*?class="value">([^<]+)<', dom, re.S)
    assert card and card.group(1) == f"{received:,.0f}"
    card = re.search(r'data-figure="townships".*?class="value">([^<]+)<', dom, re.S)
    assert card and int(card.group(1)) == len(townships_of({victim.county_code})[victim.county_code])
    charts = re.findall(r'<div class="chart" data-chart="(\w+)"><svg', dom)
    assert charts == list(brief.CHART_ORDER)
    county = _county_name(corpus, victim.county_code)
    svg_text = "".join(re.findall(r"<text[^>]*>([^<]*)</text>", dom))
    assert county in svg_text and "各县区办理结果构成" in svg_text  # chart text stays text, in Chinese
    towns = townships_of({victim.county_code})[victim.county_code]
    reported = {r.region_code for r in reports if r.unit_type == "township"}
    missing = [name for code, name in towns.items() if code not in reported]
    assert missing and all(f"<div>{name}</div>" in dom for name in missing)
    assert dom.count("<div>") == len(missing)  # nothing else: the reported townships are not listed
    assert "上年结转·" in dom and "第 " in dom  # the failed carry-over with where its number stands


@needs_chromium
@pytest.mark.slow
def test_a_screenshot_of_the_brief_is_not_blank(county_brief, tmp_path: Path) -> None:
    html = next(p for p in county_brief[1] if p.suffix == ".html")
    shot = tmp_path / "brief.png"
    result = _chromium(f"--screenshot={shot}", "--window-size=1200,1800", html.as_uri())
    assert shot.exists(), result.stderr[-500:]
    image = Image.open(shot).convert("L")
    stat = ImageStat.Stat(image)
    assert image.size == (1200, 1800)
    assert stat.stddev[0] > 20  # text, cards and charts, not an empty white page
    dark = sum(image.histogram()[:128]) / (image.size[0] * image.size[1])
    assert 0.005 < dark < 0.6


@needs_chromium
@pytest.mark.slow
def test_the_pdf_holds_the_title_the_figures_and_the_tables(corpus: Corpus, county_brief) -> None:
    _, written, notices = county_brief
    pdf = next(p for p in written if p.suffix == ".pdf")
    assert notices == []
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout).group(1))
    assert 1 <= pages <= 6
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert f"{corpus.victim.year}年政府信息公开工作年度报告情况简报" in text.replace(" ", "")
    assert "关键指标" in text and "未报送年度报告的乡镇" in text


def test_without_chromium_the_html_is_written_and_one_line_says_how_to_get_the_pdf(corpus: Corpus, tmp_path: Path,
                                                                                   monkeypatch) -> None:
    monkeypatch.setattr(brief, "chromium", lambda: None)
    notices: list[str] = []
    written = write_brief(corpus.db, tmp_path, _county_name(corpus, corpus.victim.county_code), corpus.victim.year,
                          notice=notices.append)
    assert [p.suffix for p in written] == [".html"] and written[0].exists()
    assert not list(tmp_path.glob("*.pdf")) and not list(tmp_path.glob(".gongkai-*"))
    assert len(notices) == 1 and "chromium" in notices[0] and "install-system-deps.sh" in notices[0]


def test_an_unknown_scope_suggests_the_near_miss(corpus: Corpus, tmp_path: Path) -> None:
    county = _county_name(corpus, corpus.victim.county_code)
    result = subprocess.run([sys.executable, "-m", "gongkai.cli", "brief", "--db", str(corpus.db), "--scope", county[:-1],
                             "--year", str(corpus.victim.year), "--out", str(tmp_path / "b")], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode != 0 and f"did you mean {county}?" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_export_writes_a_brief_per_province_and_year(corpus: Corpus, tmp_path: Path) -> None:
    from warehouse.export import export

    notices: list[str] = []
    written = export(corpus.db, tmp_path, year=corpus.victim.year, pdf=False, notice=notices.append)
    briefs = sorted(p.name for p in written if p.name.endswith("_简报.html"))
    assert len(briefs) == 2 and notices == []
    assert not any(p.suffix == ".pdf" for p in written)  # --no-pdf
