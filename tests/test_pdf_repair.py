"""Valid PDFs that only pdfminer rejects are read through a clean copy pdfium writes (issue 11 item 3).

Made from the real published reports in tests/real: an appended update whose /Prev points at
itself (pdfminer recurses until RecursionError), and cross-reference offsets gone stale after bytes
were inserted (pdfminer: "No /Root object"). pdfium opens both; every cell must come out as the
person-read truth says, with a note that the copy was used, and never the advice to download again.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import REAL, read_truth
from extractors.pdf import read_pdf
from gongkai.extract import extract_bytes

REAL_PDFS = ["huaian-city-2024", "hongze-district-2023"]


def self_referencing_prev(src: bytes) -> bytes:
    """Append an (empty) incremental update whose trailer's /Prev is its own offset."""
    root = re.search(rb"/Root\s+(\d+\s+\d+\s+R)", src).group(1)
    size = int(re.findall(rb"/Size\s+(\d+)", src)[-1])
    body = src if src.endswith(b"\n") else src + b"\n"
    at = len(body)
    return body + (b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
                   % (size, root, at, at))


def stale_offsets(src: bytes) -> bytes:
    """Insert a comment after the header: every offset in the cross-reference data now points 4 KB early."""
    head = src.index(b"\n") + 1
    return src[:head] + b"%" + b"x" * 4000 + b"\n" + src[head:]


BREAKAGES = {"self-prev": self_referencing_prev, "stale-xref": stale_offsets}


@pytest.mark.parametrize("name", REAL_PDFS)
@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_pdf_only_pdfminer_rejects_reads_every_cell_from_a_repaired_copy(name: str, breakage: str):
    data = BREAKAGES[breakage]((REAL / f"{name}.pdf").read_bytes())
    import pdfplumber
    import io

    with pytest.raises(Exception):  # the breakage is real: pdfminer alone cannot read the tables
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                page.extract_tables()
    extraction = extract_bytes(Path(f"{name}-{breakage}.pdf"), data)
    assert extraction.status == "loaded", extraction.document["error"]
    truth = read_truth(REAL / f"{name}.truth.csv")
    got = {(v.metric_id, v.applicant): v.value for v in extraction.values}
    wrong = {k: (got.get(k), v) for k, v in truth.items() if got.get(k) != v}
    assert not wrong, wrong
    notes = [n.reason for n in extraction.notes]
    assert any("clean copy pdfium wrote" in n for n in notes), notes
    assert not any("download" in n for n in notes)


def test_the_original_needs_no_repair():
    result = read_pdf((REAL / "hongze-district-2023.pdf").read_bytes(), "hongze-district-2023.pdf")
    assert not any("clean copy" in w for w in result.warnings)


def test_ingest_loads_them_and_says_so(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for breakage, make in BREAKAGES.items():
        (inbox / f"hongze-{breakage}.pdf").write_bytes(make((REAL / "hongze-district-2023.pdf").read_bytes()))
    db = tmp_path / "warehouse.duckdb"
    result = subprocess.run([sys.executable, "-m", "gongkai.cli", "ingest", str(inbox), "--db", str(db)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        statuses = con.execute("SELECT status, error FROM dim_document").fetchall()
        noted = con.execute("SELECT count(DISTINCT document_id) FROM fact_note WHERE reason LIKE '%clean copy pdfium wrote%'").fetchone()[0]
    finally:
        con.close()
    # both are the same report: one loaded, the other a duplicate of it or loaded (distinct bytes, same unit and year)
    assert all(status != "quarantined" for status, _ in statuses), statuses
    assert noted >= 1
