"""Generate documents and corpora: every document in every asked format plus its truth and meta.

Layout of an output directory (NAME = <index>_<region code>_<year>, or <region code>_<year> for a
multi-year corpus):
    NAME.docx NAME.pdf NAME.html NAME.txt   the same report in each asked format
    NAME.truth.csv                          metric_id,applicant,value as printed ("" = blank)
    NAME.meta.json                          unit, year, region_code, county, template_version,
                                            style, formats, injected (identity breaks, if any)
"""
from __future__ import annotations

import csv
import io
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import regions
from .docx_fill import build_docx
from .html_render import render_html
from .pdf_convert import convert_to_pdf
from .spec import Key, Value, check_identities, format_value, truth_keys
from .structure import blocks
from .styles import choose_style
from .txt_render import render_txt
from .values import INJECTABLE, STOCK_KINDS, columns_of, inject, perturb_carried_in, report_values

FORMATS = ("docx", "pdf", "html", "txt")


@dataclass
class GeneratedDoc:
    name: str
    out_dir: Path
    meta: dict[str, Any]
    values: dict[Key, Value]  # as printed: None where the cell is blank
    files: dict[str, Path] = field(default_factory=dict)

    def path(self, suffix: str) -> Path:
        return self.out_dir / f"{self.name}.{suffix}"


@dataclass
class Timings:
    docs: int = 0
    build_s: float = 0.0  # values + docx in memory
    docx_s: float = 0.0
    html_s: float = 0.0
    txt_s: float = 0.0
    pdf_s: float = 0.0
    pdfs: int = 0

    def summary(self) -> str:
        n = max(self.docs, 1)
        per = lambda s: f"{1000 * s / n:.1f} ms/doc"  # noqa: E731
        text = (f"{self.docs} docs: build {per(self.build_s)}, docx save {per(self.docx_s)}, "
                f"html {per(self.html_s)}, txt {per(self.txt_s)}")
        if self.pdfs:
            text += f", pdf {1000 * self.pdf_s / self.pdfs:.0f} ms/doc wall ({self.pdfs} PDFs in {self.pdf_s:.1f} s)"
        return text


def _parse_formats(formats: Iterable[str] | str) -> list[str]:
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    formats = list(dict.fromkeys(formats))
    bad = set(formats) - set(FORMATS)
    if bad:
        raise ValueError(f"unknown formats {sorted(bad)}; choose from {', '.join(FORMATS)}")
    return formats


def unit_name(t: regions.Township, suffix: bool) -> str:
    if not suffix:
        return f"{t.county}{t.name}"
    return f"{t.county}{t.name}{'办事处' if t.name.endswith('街道') else '人民政府'}"


def write_truth(path: Path, values: dict[Key, Value], version: str, other_one_row: bool) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["metric_id", "applicant", "value"])
    for mid, applicant in truth_keys(version, other_one_row):
        w.writerow([mid, applicant, format_value(values[(mid, applicant)])])
    path.write_text(buf.getvalue(), encoding="utf-8")


def read_truth(path: Path) -> dict[Key, str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return {(r["metric_id"], r["applicant"]): r["value"] for r in csv.DictReader(fh)}


def make_document(
    out_dir: Path,
    name: str,
    township: regions.Township,
    year: int,
    template_version: str,
    rng: random.Random,
    formats: list[str],
    inject_rule: str | None = None,
    carried_in: dict[str, int] | None = None,
    carry_over_break: dict | None = None,
    style_overrides: dict[str, Any] | None = None,
    timings: Timings | None = None,
    stock: dict[str, int] | None = None,
) -> GeneratedDoc:
    """Build one report and write its non-PDF formats and truth (meta is written by finish())."""
    timings = timings or Timings()
    t0 = time.perf_counter()
    style = choose_style(rng, template_version, **(style_overrides or {}))
    values = report_values(rng, template_version, style["other_one_row"], carried_in, stock)
    injected: list[dict] = []
    if carry_over_break:
        injected.extend(carry_over_break["records"])
    if inject_rule:
        injected.extend(inject(rng, values, inject_rule))
    broken = {v.split(":")[0] for v in check_identities(values, style["other_one_row"])}
    expected = {inject_rule} if inject_rule else set()
    assert broken == expected, f"{name}: identities broken {broken}, expected {expected}"
    protected = {(r["metric_id"], r["applicant"]) for r in injected}
    unit = unit_name(township, style["unit_suffix"])
    document, printed = build_docx(values, style, rng, unit, township.name, year, template_version, protected)
    doc = GeneratedDoc(
        name=name,
        out_dir=out_dir,
        values=printed,
        meta={
            "name": name,
            "title": f"{unit}{year}年政府信息公开工作年度报告",
            "unit": unit,
            "township": township.name,
            "county": township.county,
            "county_code": township.county_code,
            "region_code": township.code,
            "year": year,
            "template_version": template_version,
            "style": style,
            "formats": [],
            "injected": injected,
        },
    )
    blks = blocks(document)
    t1 = time.perf_counter()
    timings.build_s += t1 - t0
    if "docx" in formats or "pdf" in formats:
        path = doc.path("docx")
        document.save(str(path))
        doc.files["docx"] = path
    t2 = time.perf_counter()
    timings.docx_s += t2 - t1
    if "html" in formats:
        doc.files["html"] = doc.path("html")
        doc.files["html"].write_bytes(render_html(blks, doc.meta, style, rng))
    t3 = time.perf_counter()
    timings.html_s += t3 - t2
    if "txt" in formats:
        doc.files["txt"] = doc.path("txt")
        doc.files["txt"].write_bytes(render_txt(blks, style))
    timings.txt_s += time.perf_counter() - t3
    write_truth(doc.path("truth.csv"), printed, template_version, style["other_one_row"])
    timings.docs += 1
    return doc


def finish(docs: list[GeneratedDoc], formats: list[str], pdf_workers: int, timings: Timings) -> list[Path]:
    """Convert PDFs in parallel batches, drop helper DOCX files, write meta; returns document files."""
    if "pdf" in formats:
        t0 = time.perf_counter()
        done = convert_to_pdf([d.files["docx"] for d in docs], workers=pdf_workers)
        timings.pdf_s += time.perf_counter() - t0
        timings.pdfs += len(done)
        for d in docs:
            pdf = d.path("pdf")
            if d.files["docx"] in done:
                d.files["pdf"] = pdf
    out: list[Path] = []
    for d in docs:
        if "docx" not in formats and "docx" in d.files:
            d.files.pop("docx").unlink()
        d.meta["formats"] = [f for f in FORMATS if f in d.files]
        d.path("meta.json").write_text(json.dumps(d.meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        out.extend(d.files[f] for f in d.meta["formats"])
    return out


def _version_and_year(rng: random.Random, share_2019: float, years: tuple[int, int]) -> tuple[str, int]:
    if rng.random() < share_2019:
        return "2019", rng.choice((2019, 2020, 2020))
    return "2021", rng.randint(*years)


def generate_corpus(
    out_dir: str | Path,
    n: int,
    seed: int = 0,
    formats: Iterable[str] | str = FORMATS,
    inject_rules: Iterable[str] = (),
    inject_share: float = 1.0,
    template_2019_share: float = 0.15,
    years: tuple[int, int] = (2021, 2024),
    style_overrides: dict[str, Any] | None = None,
    pdf_workers: int = 2,
    timings: Timings | None = None,
) -> list[Path]:
    """n reports of distinct townships, each in every format asked; returns the document files.

    inject_rules: identities to break (see values.INJECTABLE); each document gets one of them
    with probability inject_share.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    formats = _parse_formats(formats)
    rules = list(inject_rules)
    for r in rules:
        if r not in INJECTABLE:
            raise ValueError(f"unknown inconsistency {r!r}; choose from {', '.join(INJECTABLE)}")
    master = random.Random(seed)
    timings = timings if timings is not None else Timings()
    docs = []
    for i, township in enumerate(regions.pick_townships(master, n)):
        rng = random.Random(f"{seed}:{i}")
        version, year = _version_and_year(rng, template_2019_share, years)
        rule = rng.choice(rules) if rules and rng.random() < inject_share else None
        name = f"{i:04d}_{township.code}_{year}"
        docs.append(make_document(out_dir, name, township, year, version, rng, formats, rule,
                                  style_overrides=style_overrides, timings=timings))
    return finish(docs, formats, pdf_workers, timings)


def generate_multi_year(
    out_dir: str | Path,
    years: tuple[int, int],
    counties: int,
    townships_per_county: int = 3,
    seed: int = 0,
    formats: Iterable[str] | str = FORMATS,
    break_carry_over: bool = False,
    style_overrides: dict[str, Any] | None = None,
    pdf_workers: int = 2,
    timings: Timings | None = None,
) -> list[Path]:
    """Every township of `counties` counties reports every year of the range (inclusive).

    Identity 5 holds: a township's 二、上年结转 equals its previous year's 四、结转下年度继续办理,
    column by column; so does the stock rule of section 二 (现行有效 = last year's 现行有效 + 本年制发 −
    本年废止). With break_carry_over, one township-year (never the first year) prints a
    上年结转 that disagrees; its meta records it under "injected" with rule "carry_over".
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    formats = _parse_formats(formats)
    first, last = years
    if last < first:
        raise ValueError("years must be ascending, e.g. 2022-2024")
    if break_carry_over and last == first:
        raise ValueError("break_carry_over needs at least two years")
    master = random.Random(seed)
    groups = regions.pick_counties(master, counties, townships_per_county)
    all_towns = [t for g in groups for t in g]
    victim = (master.choice(all_towns), master.randint(first + 1, last)) if break_carry_over else None
    timings = timings if timings is not None else Timings()
    docs = []
    for township in all_towns:
        forward: dict[str, int] | None = None
        stock: dict[str, int] | None = None
        for year in range(first, last + 1):
            rng = random.Random(f"{seed}:{township.code}:{year}")
            version = "2021" if year >= 2021 else "2019"
            carried_in, breaking = forward, None
            if victim == (township, year):
                carried_in = perturb_carried_in(rng, forward)
                breaking = {"records": [
                    {"rule": "carry_over", "metric_id": "requests.carried_in", "applicant": a,
                     "printed": str(carried_in[a] if a != "total" else sum(carried_in.values())),
                     "consistent": str(forward[a] if a != "total" else sum(forward.values()))}
                    for a in ("natural_person", "total")
                ]}
            doc = make_document(out_dir, f"{township.code}_{year}", township, year, version, rng, formats,
                                carried_in=carried_in, carry_over_break=breaking,
                                style_overrides=style_overrides, timings=timings, stock=stock if version == "2021" else None)
            forward = columns_of({k: (v or 0) for k, v in doc.values.items()}, "requests.carried_forward")
            stock = {kind: int(doc.values.get((f"proactive.{kind}.in_force", ""), 0) or 0) for kind in STOCK_KINDS}
            docs.append(doc)
    return finish(docs, formats, pdf_workers, timings)
