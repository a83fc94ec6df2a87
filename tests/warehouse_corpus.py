"""A multi-year, multi-county corpus for the warehouse tests, built once per test session.

tests/fixturegen writes every township of two counties for 2022-2024 as TEXT reports (fast, no
LibreOffice), with one township-year whose 上年结转 disagrees with the year before. On top of it:
- one township's 2023 report is held back (a coverage gap; tests ingest it later as a missing year),
- a county government report and a department report are added (units that are not townships),
- the department report quotes a request count in 一、总体情况 that is not the table's.
Expected answers come from the generator's truth files and data/admin_divisions, never from the
warehouse itself.
"""
from __future__ import annotations

import csv
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from conftest import ROOT, read_truth

sys.path.insert(0, str(ROOT))
from tests.fixturegen import generate_multi_year  # noqa: E402

from gongkai.ingest import ingest  # noqa: E402

YEARS = (2022, 2024)
SEED = 5
PROSE_OFFSET = 5  # the department's prose says table + 5
Key = tuple[str, str | None]


@dataclass
class Report:
    name: str
    path: Path
    unit_key: str
    unit: str
    unit_type: str
    region_code: str
    county_code: str
    year: int
    truth: dict[Key, float | None]
    injected: list[dict] = field(default_factory=list)


@dataclass
class Corpus:
    root: Path
    db: Path
    reports: list[Report]  # everything ingested into db
    held_back: Report  # generated but not ingested: a township's 2023 report
    victim: Report  # the report with the broken carry-over
    department: Report  # the report whose prose disagrees with its table
    county_government: Report
    townships_by_county: dict[str, dict[str, str]]  # county code -> {township code: name}, from streets.csv

    def report(self, unit_key: str, year: int) -> Report:
        return next(r for r in self.reports if r.unit_key == unit_key and r.year == year)


_BUILT: dict[Path, Corpus] = {}


def _township_report(meta_path: Path) -> Report:
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    name = meta["name"]
    return Report(
        name=name, path=meta_path.with_name(f"{name}.txt"), unit_key=meta["region_code"], unit=meta["unit"],
        unit_type="township", region_code=meta["region_code"], county_code=meta["county_code"], year=meta["year"],
        truth=read_truth(meta_path.with_name(f"{name}.truth.csv")), injected=meta["injected"],
    )


def _derived(source: Report, out: Path, unit: str, unit_type: str, unit_key: str, prose_offset: int = 0) -> Report:
    """The same tables under another unit's title (and, optionally, a prose count that disagrees)."""
    text = source.path.read_text(encoding="utf-8")
    lines = text.split("\n")
    title = lines[0]
    lines[0] = unit + title[title.index(str(source.year)):]
    text = "\n".join(lines)
    if prose_offset:
        received = int(source.truth[("requests.received", "total")] or 0)
        quoted = f"共收到政府信息公开申请{received}件"
        assert quoted in text, f"{source.name}: prose sentence not found"
        text = text.replace(quoted, f"共收到政府信息公开申请{received + prose_offset}件", 1)
    path = out / f"{unit_key.replace(':', '_')}_{source.year}.txt"
    path.write_text(text, encoding="utf-8")
    return Report(path.stem, path, unit_key, unit, unit_type, source.county_code, source.county_code, source.year, source.truth)


def townships_of(county_codes: set[str]) -> dict[str, dict[str, str]]:
    with open(ROOT / "data" / "admin_divisions" / "streets.csv", encoding="utf-8", newline="") as fh:
        out: dict[str, dict[str, str]] = {c: {} for c in county_codes}
        for row in csv.DictReader(fh):
            if row["areaCode"] in out:
                out[row["areaCode"]][row["code"]] = row["name"]
    return out


def build(root: Path) -> Corpus:
    """Generate, arrange and ingest the corpus under root (once per root)."""
    if root in _BUILT:
        return _BUILT[root]
    generated, reports_dir = root / "generated", root / "reports"
    reports_dir.mkdir(parents=True)
    generate_multi_year(generated, YEARS, counties=2, townships_per_county=3, seed=SEED, formats="txt",
                        break_carry_over=True, style_overrides={"txt_layout": "tsv", "txt_pad_spans": False, "blanks": "none"})
    townships = [_township_report(p) for p in sorted(generated.glob("*.meta.json"))]
    victim = next(r for r in townships if r.injected)
    # hold back 2023 of a township in the other county than the victim's
    held_back = next(r for r in townships if r.county_code != victim.county_code and r.year == 2023)
    ingested = [r for r in townships if r is not held_back]
    for r in ingested:
        shutil.copy(r.path, reports_dir / r.path.name)
        r.path = reports_dir / r.path.name
    county_name = json.loads(next(generated.glob(f"{held_back.region_code}_*.meta.json")).read_text(encoding="utf-8"))["county"]
    source = next(r for r in ingested if r.region_code != held_back.region_code and r.county_code == held_back.county_code and r.year == 2024)
    county_government = _derived(source, reports_dir, f"{county_name}人民政府", "county", held_back.county_code)
    department_unit = f"{county_name}教育局"
    department = _derived(source, reports_dir, department_unit, "department", f"{held_back.county_code}:{department_unit}", PROSE_OFFSET)
    ingested += [county_government, department]
    db = root / "warehouse.duckdb"
    summary = ingest([reports_dir], db, workers=2)
    assert summary.loaded == len(ingested) and summary.quarantined == 0, summary.lines()
    corpus = Corpus(root, db, ingested, held_back, victim, department, county_government,
                    townships_of({r.county_code for r in townships}))
    _BUILT[root] = corpus
    return corpus


def copy_db(corpus: Corpus, to: Path) -> Path:
    """A private copy of the corpus warehouse for tests that ingest more into it."""
    to.mkdir(parents=True, exist_ok=True)
    db = to / "warehouse.duckdb"
    shutil.copy(corpus.db, db)
    return db


def total(report: Report, metric_id: str, applicant: str | None = "total") -> float | None:
    return report.truth[(metric_id, applicant)]


def strict_sum(report: Report, metric_ids: list[str], applicant: str | None = "total") -> float | None:
    """Sum of the cells the report prints; None when one of them is blank (a blank is not a zero)."""
    cells = [report.truth[(m, applicant)] for m in metric_ids if (m, applicant) in report.truth]
    if not cells or any(c is None for c in cells):
        return None
    return float(sum(cells))  # type: ignore[arg-type]


def metrics_like(report: Report, prefix: str) -> list[str]:
    return sorted({m for m, _ in report.truth if m == prefix or m.startswith(prefix + ".")})
