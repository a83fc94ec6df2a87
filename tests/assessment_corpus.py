"""A generated corpus with planted assessment findings, ingested once per test session.

tests/fixturegen writes five townships in each of two counties for 2022-2024 as TEXT reports; each
report gets a 来源/发布时间 header line (on time) and a signature a few days earlier. Then
tests/fixturegen/plant.py plants, one unit-year each:
- late: published 2024-05-20, 50 days after the 31 March deadline;
- copied_previous: 一, 五, 六 copied from the unit's 2022 report (year changed);
- copied_peer: 一, 五, 六 copied from a neighbour of the same county and year, published later;
- repeated_tables: the tables of 2022 printed again in 2023 and 2024 (three years running);
- stock: 行政规范性文件 现行有效 three more than last year's + 制发 − 废止;
- wrong_template: a 2024 report on the 2019 template;
- missing: a 2023 report held back;
- changed: a report replaced by a second version (new bytes, later 发布时间) in a later ingest;
- signed_late: no 发布时间, signed 2025-04-10 (so at least 10 days late);
- undated: no 发布时间 and no signature;
- jump: 150 more requests received (and granted) than the year before;
- no_section: section 六 left out.
Expected outcomes come from this plan and the truth files, never from the warehouse.
"""
from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from conftest import ROOT, read_truth

sys.path.insert(0, str(ROOT))
from tests.fixturegen import generate_multi_year  # noqa: E402
from tests.fixturegen import plant  # noqa: E402
from tests.fixturegen.corpus import Timings, finish, make_document  # noqa: E402
from tests.fixturegen.regions import Township  # noqa: E402
from tests.fixturegen.values import columns_of  # noqa: E402

from gongkai.ingest import ingest  # noqa: E402

YEARS = (2022, 2024)
SEED = 14
STOCK_OFFSET = 3
JUMP = 150
NORMATIVE_LABELS = ("行政规范性文件", "规范性文件")


@dataclass
class Report:
    name: str
    path: Path
    unit_key: str  # township code
    unit: str
    township: str
    county_code: str
    year: int
    truth: dict
    published: date | None = None  # the 发布时间 planted in the header
    signed: date | None = None


@dataclass
class AssessmentCorpus:
    root: Path
    db: Path
    reports: dict[tuple[str, int], Report]  # current reports by (unit_key, year)
    plants: dict[str, tuple[str, int]]  # finding -> (unit_key, year)
    held_back: Report
    first_version: Report  # of the changed report
    counties: list[str]
    extra: dict[str, str] = field(default_factory=dict)  # other facts tests need (e.g. the peer copy's source)

    def unit_year(self, finding: str) -> tuple[str, int]:
        return self.plants[finding]

    def report(self, finding: str) -> Report:
        return self.reports[self.plants[finding]]


_BUILT: dict[Path, AssessmentCorpus] = {}


def _report(meta_path: Path) -> Report:
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    name = meta["name"]
    return Report(name, meta_path.with_name(f"{name}.txt"), meta["region_code"], meta["unit"], meta["township"],
                  meta["county_code"], meta["year"], read_truth(meta_path.with_name(f"{name}.truth.csv")))


def _date_text(on: date) -> str:
    return f"{on.year}年{on.month}月{on.day}日"


def build(root: Path) -> AssessmentCorpus:
    if root in _BUILT:
        return _BUILT[root]
    generated, reports_dir, later_dir = root / "generated", root / "reports", root / "later"
    reports_dir.mkdir(parents=True)
    later_dir.mkdir()
    generate_multi_year(generated, YEARS, counties=2, townships_per_county=5, seed=SEED, formats="txt",
                        style_overrides={"txt_layout": "tsv", "txt_pad_spans": False, "blanks": "none"})
    reports = {(r.unit_key, r.year): r for r in map(_report, sorted(generated.glob("*.meta.json")))}
    counties = sorted({r.county_code for r in reports.values()})
    towns = {c: sorted({r.unit_key for r in reports.values() if r.county_code == c}) for c in counties}
    a, b = towns[counties[0]], towns[counties[1]]
    plants = {
        "late": (a[0], 2023), "no_section": (a[0], 2022), "copied_previous": (a[1], 2023),
        "copied_peer": (a[2], 2024), "peer_source": (a[3], 2024), "changed": (a[4], 2023),
        "repeated_tables": (b[0], 2024), "stock": (b[1], 2024), "wrong_template": (b[2], 2024),
        "missing": (b[3], 2023), "signed_late": (b[4], 2024), "undated": (b[4], 2022), "jump": (a[3], 2024),
    }
    text = {key: r.path.read_text(encoding="utf-8") for key, r in reports.items()}

    # the plants that change a report's content
    key = plants["copied_previous"]
    donor = reports[(key[0], 2022)]
    text[key] = plant.copy_parts(text[key], text[(key[0], 2022)], plant.NARRATIVE, {"2022": "2023", "2023": "2024"})
    key = plants["copied_peer"]
    source = reports[plants["peer_source"]]
    text[key] = plant.copy_parts(text[key], text[plants["peer_source"]], plant.NARRATIVE, {source.township: reports[key].township})
    for year in (2023, 2024):  # 2022's tables three years running
        key = (plants["repeated_tables"][0], year)
        text[key] = plant.copy_parts(text[key], text[(key[0], 2022)], plant.TABLES)
        shutil.copy(reports[(key[0], 2022)].path.with_suffix(".truth.csv"), reports[key].path.with_suffix(".truth.csv"))
        reports[key].truth = read_truth(reports[key].path.with_suffix(".truth.csv"))
    key = plants["stock"]
    consistent = int(reports[key].truth[("proactive.normative_docs.in_force", None)])
    text[key], old = plant.set_last_cell(text[key], "二", NORMATIVE_LABELS, consistent + STOCK_OFFSET)
    assert old == consistent
    plant.set_truth(reports[key].path.with_suffix(".truth.csv"), "proactive.normative_docs.in_force", "", consistent + STOCK_OFFSET)
    reports[key].truth = read_truth(reports[key].path.with_suffix(".truth.csv"))
    key = plants["wrong_template"]
    text[key] = _on_2019_template(generated, reports, key)
    reports[key].truth = read_truth(reports[key].path.with_suffix(".truth.csv"))
    key = plants["no_section"]
    text[key] = plant.drop_section(text[key], "六")
    key = plants["jump"]  # after the peer copy took this report's narrative as it was
    text[key], bumped = plant.bump_requests(text[key], JUMP)
    for (metric, applicant), value in bumped.items():
        plant.set_truth(reports[key].path.with_suffix(".truth.csv"), metric, applicant, value)
    reports[key].truth = read_truth(reports[key].path.with_suffix(".truth.csv"))

    # dates: every report on time, signed a few days before, except the planted ones
    for i, (key, r) in enumerate(sorted(reports.items())):
        r.published = date(r.year + 1, 2, 10) + timedelta(days=i % 15)
        r.signed = r.published - timedelta(days=3)
    reports[plants["late"]].published = date(2024, 5, 20)
    reports[plants["peer_source"]].published = date(2025, 2, 10)
    reports[plants["copied_peer"]].published = date(2025, 3, 1)
    reports[plants["signed_late"]].published, reports[plants["signed_late"]].signed = None, date(2025, 4, 10)
    reports[plants["undated"]].published = reports[plants["undated"]].signed = None
    for key, r in reports.items():
        body = text[key]
        if r.signed:
            body = plant.with_signature(body, r.unit, _date_text(r.signed))
        if r.published:
            body = plant.with_header(body, r.unit + "人民政府", f"{r.published.isoformat()} 09:30")
        text[key] = body

    held_back = reports.pop(plants["missing"])
    for key, r in reports.items():
        r.path = reports_dir / r.path.name
        r.path.write_text(text[key], encoding="utf-8")
    changed = reports[plants["changed"]]
    first_version = Report(**{**changed.__dict__})
    changed.published = changed.signed = date(2024, 3, 5)  # the correction note is the last date printed
    second = plant.with_header(text[plants["changed"]].split("\n", 2)[0] + "\n" + text[plants["changed"]].split("\n", 2)[2], changed.unit + "人民政府",
                               "2024-03-05 10:00").rstrip("\n") + "\n（2024年3月5日更正了第五部分的表述。）\n"
    changed.path = later_dir / changed.path.name
    changed.path.write_text(second, encoding="utf-8")

    db = root / "warehouse.duckdb"
    first = ingest([reports_dir], db, workers=2)
    assert first.loaded == len(reports) and first.quarantined == 0, first.lines()
    again = ingest([later_dir], db, workers=1)
    assert again.loaded == 1 and again.superseded == 1, again.lines()
    corpus = AssessmentCorpus(root, db, reports, plants, held_back, first_version, counties,
                              {"copied_previous_donor": donor.path.name})
    _BUILT[root] = corpus
    return corpus


def _on_2019_template(generated: Path, reports: dict, key: tuple[str, int]) -> str:
    """The unit-year regenerated on the 2019 template, carrying over last year's 结转 so nothing else breaks."""
    import random

    r = reports[key]
    meta = json.loads(r.path.with_suffix(".meta.json").read_text(encoding="utf-8"))
    township = Township(r.unit_key, meta["township"], meta["county"], r.county_code)
    forward = columns_of({k: (v or 0) for k, v in _printed(reports[(key[0], key[1] - 1)]).items()}, "requests.carried_forward")
    out = generated / "wrong_template"
    out.mkdir(exist_ok=True)
    doc = make_document(out, r.name, township, r.year, "2019", random.Random(f"{SEED}:2019:{r.unit_key}"), ["txt"],
                        carried_in=forward, style_overrides={"txt_layout": "tsv", "txt_pad_spans": False, "blanks": "none"})
    finish([doc], ["txt"], 1, Timings())
    shutil.copy(doc.path("truth.csv"), r.path.with_suffix(".truth.csv"))
    return doc.path("txt").read_text(encoding="utf-8")


def _printed(r: Report) -> dict:
    return {(m, a or ""): v for (m, a), v in r.truth.items()}
