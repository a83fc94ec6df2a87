"""Hostile and broken input through `gongkai ingest`: every file gets a row, every quarantine says why.

The corpus is tests/bad_inputs/ (made by tests/make_bad_inputs.py) plus two big cases built here
in a temporary folder: a file over the per-document size limit and a zip bomb. One run of the
real command over all of it must exit 0, load the good files and give each bad one a reason
that names the file and tells a person what to do.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, SAMPLES
from extractors.guards import check_zip
from extractors.model import ExtractionError
from extractors.registry import READERS, read_bytes
from gongkai.extract import extract_file
from gongkai import EXTRACTOR_VERSION
from gongkai.workers import MAX_FILE_BYTES, Job, Limits, extract_many, run_isolated
from make_bad_inputs import damaged_pdf, huge_file, zip_bomb

CORPUS = ROOT / "tests" / "bad_inputs"
HAS_PDF_READER = "pdf" in READERS

# file -> (status, what the reason must mention); None: not checked here
EXPECTED: dict[str, tuple[str, str | None]] = {
    "empty.txt": ("quarantined", r"empty"),
    "random-bytes.pdf": ("quarantined", r"not a PDF, Word, HTML or text"),
    "random-bytes.docx": ("quarantined", r"not a PDF, Word, HTML or text"),
    "no-tables.html": ("quarantined", r"no template tables"),
    "other-kind-gongzuo-baogao.txt": ("quarantined", r"another kind of document"),
    "no-year.txt": ("quarantined", r"no report year"),
    "image-tables.docx": ("quarantined", r"images"),
    "image-tables.html": ("quarantined", r"images"),
    "gbk-seed-001.txt": ("loaded", None),
    "same-bytes-a.txt": ("loaded", None),
    "same-bytes-b (copy).txt": ("duplicate", r"same bytes as .*same-bytes-a\.txt"),
    "same-unit-year-original.txt": ("superseded", None),
    "same-unit-year-corrected.txt": ("loaded", None),
    "huge.pdf": ("quarantined", r"over the 200 MB limit"),
    "zip-bomb.docx": ("quarantined", r"zip bomb"),
}
PDF_EXPECTED: dict[str, tuple[str, str | None]] = {
    "truncated.pdf": ("quarantined", r"damaged or truncated PDF"),
    "garbled-after-header.pdf": ("quarantined", None),
    "encrypted-user-password.pdf": ("quarantined", r"password|encrypt"),
    "scanned-no-text-layer.pdf": ("quarantined", r"text layer|OCR|scan|image"),
    "encrypted-owner-password-only.pdf": ("loaded", None),  # opens without a password, like most "protected" PDFs
    "damaged-page-box.pdf": ("quarantined", "damaged PDF"),
}
# a reason "says what to do" when it carries one of these instructions
ACTION = re.compile(
    r"download|get (?:the|a) |get it|ask |save it|re-save|add the|fix |check |run `gongkai|remove it|"
    r"unpack|open it|report (?:it|the file)|OCR|do not open"
)


def _gongkai(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gongkai.cli", *args], capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad") / "inbox"
    shutil.copytree(CORPUS, folder)
    # the corrected report was written a month after the original
    os.utime(folder / "same-unit-year-original.txt", (1735689600, 1735689600))   # 2025-01-01
    os.utime(folder / "same-unit-year-corrected.txt", (1738368000, 1738368000))  # 2025-02-01
    huge_file(folder / "huge.pdf", MAX_FILE_BYTES + (1 << 20))
    zip_bomb(folder / "zip-bomb.docx")
    damaged_pdf(folder / "damaged-page-box.pdf")
    return folder


@pytest.fixture(scope="module")
def run(corpus: Path) -> tuple[subprocess.CompletedProcess, dict[str, dict]]:
    db = corpus.parent / "warehouse.duckdb"
    result = _gongkai("ingest", str(corpus), "--db", str(db), "--jobs", "2")
    rows: dict[str, dict] = {}
    if db.exists():
        con = duckdb.connect(str(db), read_only=True)
        cursor = con.execute("SELECT * FROM documents")
        names = [d[0] for d in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values))
            rows[Path(row["source"]).name] = row
        con.close()
    return result, rows


def test_the_run_exits_0_and_every_file_gets_one_row(corpus: Path, run) -> None:
    result, rows = run
    assert result.returncode == 0, result.stderr
    files = sorted(p.name for p in corpus.iterdir())
    assert sorted(rows) == files
    assert {row["status"] for row in rows.values()} <= {"loaded", "quarantined", "superseded", "duplicate"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_ends_as_expected(run, name: str) -> None:
    _, rows = run
    status, mentions = EXPECTED[name]
    row = rows[name]
    assert row["status"] == status, row["error"]
    if mentions:
        assert re.search(mentions, row["error"]), row["error"]


@pytest.mark.skipif(not HAS_PDF_READER, reason="no PDF reader registered in extractors/registry.py yet")
@pytest.mark.parametrize("name", sorted(PDF_EXPECTED))
def test_each_pdf_ends_as_expected(run, name: str) -> None:
    _, rows = run
    status, mentions = PDF_EXPECTED[name]
    row = rows[name]
    assert row["status"] == status, row["error"]
    if mentions:
        assert re.search(mentions, row["error"], re.IGNORECASE), row["error"]


def test_every_quarantine_names_the_file_and_says_what_to_do(run, corpus: Path) -> None:
    result, rows = run
    quarantined = {name: row["error"] for name, row in rows.items() if row["status"] == "quarantined"}
    assert len(quarantined) >= 10
    listing = corpus.parent / "warehouse.duckdb.last-ingest.tsv"
    assert f"full list of quarantined and skipped files: {listing}" in result.stdout
    listed = listing.read_text(encoding="utf-8").splitlines()
    assert f"quarantined by reason: {len(quarantined)} in " in result.stdout  # the summary groups them
    for name, reason in quarantined.items():
        assert reason.startswith(f"{name}: "), reason
        assert reason.count(name) == 1, f"file named twice: {reason}"
        assert ACTION.search(reason), f"reason does not say what to do: {reason}"
        assert any(line.startswith("quarantined\t") and line.endswith(f"/{name}\t{reason[len(name) + 2:]}")
                   for line in listed), reason  # the full list has it


def test_a_gbk_text_report_loads_like_its_utf8_original(run, corpus: Path) -> None:
    _, rows = run
    assert rows["gbk-seed-001.txt"]["status"] == "loaded"
    db = corpus.parent / "warehouse.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    loaded = con.execute(
        "SELECT metric_id, applicant, value, value_semantic FROM fact_value WHERE document_id = ?",
        [rows["gbk-seed-001.txt"]["document_id"]],
    ).fetchall()
    con.close()
    original = extract_file(next(SAMPLES.glob("001_*.txt")))
    expected = {(v.metric_id, v.applicant, v.value, v.value_semantic) for v in original.values}
    assert len(loaded) == len(original.values) == 200
    assert {(m, a, None if v != v else v, s) for m, a, v, s in loaded} == expected
    assert rows["gbk-seed-001.txt"]["unit"] == original.document["unit"]


def test_the_same_bytes_under_two_names_is_one_document(run) -> None:
    _, rows = run
    first, copy = rows["same-bytes-a.txt"], rows["same-bytes-b (copy).txt"]
    assert first["document_id"] == copy["document_id"]
    assert copy["error"].startswith("same bytes as ")


def test_of_two_reports_for_one_unit_and_year_the_later_written_is_current(run) -> None:
    _, rows = run
    original, corrected = rows["same-unit-year-original.txt"], rows["same-unit-year-corrected.txt"]
    assert (original["unit"], original["year"]) == (corrected["unit"], corrected["year"]) == ("邢集镇", 2024)
    assert original["superseded_by"] == corrected["document_id"]


def test_a_later_run_supersedes_what_an_earlier_run_loaded(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    shutil.copy(CORPUS / "same-unit-year-corrected.txt", first)  # older bytes can arrive later too:
    shutil.copy(CORPUS / "same-unit-year-original.txt", second)  # the run that saw a report last decides
    assert _gongkai("ingest", str(first), "--db", str(db), "--jobs", "1").returncode == 0
    assert _gongkai("ingest", str(second), "--db", str(db), "--jobs", "1").returncode == 0
    con = duckdb.connect(str(db), read_only=True)
    statuses = dict(con.execute("SELECT regexp_extract(source, '[^/]+$'), status FROM documents").fetchall())
    con.close()
    assert statuses == {"same-unit-year-corrected.txt": "superseded", "same-unit-year-original.txt": "loaded"}


def test_a_zip_bomb_is_refused_from_its_directory_before_anything_is_unpacked(corpus: Path) -> None:
    data = (corpus / "zip-bomb.docx").read_bytes()
    assert len(data) < 2_000_000
    started = time.perf_counter()
    with pytest.raises(ExtractionError, match=r"1,024 MB.*zip bomb"):
        read_bytes(data, "zip-bomb.docx")
    assert time.perf_counter() - started < 0.5  # unpacking it would take seconds and a gigabyte


@pytest.mark.parametrize("docx", [ROOT / "tests" / "real" / "template-2021-blank.docx", CORPUS / "image-tables.docx"])
def test_the_zip_guard_lets_real_documents_through(docx: Path) -> None:
    check_zip(docx.read_bytes())


def test_a_file_over_the_size_limit_is_never_read_into_memory(corpus: Path) -> None:
    # a 150 MB memory limit: reading the 201 MB file would raise MemoryError and change the reason
    extraction = run_isolated(Job(corpus / "huge.pdf"), Limits(memory_mb=150))
    assert extraction.status == "quarantined"
    assert "over the 200 MB limit" in extraction.document["error"]
    assert extraction.document["size_bytes"] == MAX_FILE_BYTES + (1 << 20)
    assert extraction.document["format"] == "pdf"


def test_a_file_gone_between_listing_and_reading_is_retried_next_run_and_the_rest_loads(tmp_path: Path) -> None:
    seed = next(SAMPLES.glob("000_*.txt"))
    gone = Job(tmp_path / "replaced-by-the-scraper.pdf", sha256="ab" * 32)
    extractions = {e.document["source"]: e for e in extract_many([gone, Job(seed)], Limits(), workers=2)}
    assert extractions[str(seed)].status == "loaded"
    document = extractions[str(gone.path)].document
    assert document["status"] == "quarantined" and document["document_id"] == "ab" * 8
    assert document["error"].startswith("replaced-by-the-scraper.pdf: could not be read during the run")
    assert document["extractor_version"] != EXTRACTOR_VERSION  # so the next run reads it again


def _damaged_zips() -> dict[str, bytes]:
    good = (ROOT / "tests" / "real" / "template-2021-blank.docx").read_bytes()
    directory = good.rfind(b"PK\x01\x02")
    version = bytearray(good)
    version[directory + 6] = 152  # "needs zip version 15.2": zipfile raises NotImplementedError (found by fuzzing)
    return {
        "unsupported version": bytes(version),
        "directory cut off": good[:-40],
        "zip header then noise": b"PK\x03\x04" + bytes(range(256)) * 8,
    }


@pytest.mark.parametrize("case", sorted(_damaged_zips()))
def test_a_damaged_zip_package_is_refused_with_a_reason(case: str) -> None:
    with pytest.raises(ExtractionError, match=r"download|save it again"):
        read_bytes(_damaged_zips()[case], "x.docx")
