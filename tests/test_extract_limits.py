"""`gongkai extract` runs under the same limits as ingest, and an allocation failure inside a C library
is the memory limit, not a reader bug (issue 11 item 5).

The case: one blank page whose /UserUnit makes it kilometres wide. With no text layer it goes to
OCR, which renders it: OpenCV asks for gigabytes. `extract` used to run in the calling process with
no limit (6.4 GB RSS); under `ingest` the failure was reported as "report it as a reader bug".
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gongkai.ingest import ingest
from gongkai.workers import Limits

MEMORY_MB = 1024


def huge_blank_page(path: Path, side_pt: int = 14400, user_unit: int = 75000) -> Path:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {side_pt} {side_pt}] /UserUnit {user_unit} /Contents 4 0 R >>".encode(),
               b"<< /Length 0 >>\nstream\n\nendstream"]
    out, offsets = b"%PDF-1.7\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode() + b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(out)
    return path


def _needs_ocr() -> None:
    from extractors import ocr

    if not ocr.available():
        pytest.skip("OCR is not installed: a blank page is refused before anything is rendered")


def test_extract_is_stopped_by_the_memory_limit(tmp_path: Path):
    _needs_ocr()
    pdf = huge_blank_page(tmp_path / "huge-user-unit.pdf")
    result = subprocess.run([sys.executable, "-m", "gongkai.cli", "extract", str(pdf), "--memory-mb", str(MEMORY_MB)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr  # quarantined, not crashed
    document = json.loads(result.stdout)["document"]
    assert document["status"] == "quarantined"
    assert document["error"].startswith(f"huge-user-unit.pdf: extraction needed more than {MEMORY_MB} MB of memory")
    assert "reader bug" not in document["error"] and "Traceback" not in result.stderr


def test_ingest_reports_it_as_the_memory_limit(tmp_path: Path):
    _needs_ocr()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    huge_blank_page(inbox / "huge-user-unit.pdf")
    shutil.copy(sorted(Path(__file__).parents[1].joinpath("data", "samples").glob("*.txt"))[0], inbox)
    summary = ingest([inbox], tmp_path / "warehouse.duckdb", limits=Limits(memory_mb=MEMORY_MB), workers=1)
    assert summary.loaded == 1 and summary.quarantined == 1
    assert f"needed more than {MEMORY_MB} MB of memory" in summary.problems[0] and "reader bug" not in summary.problems[0]
