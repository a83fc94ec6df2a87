"""Read legacy Office files: .doc/.wps (and .xls) through LibreOffice, .xlsx with openpyxl.

LibreOffice converts the binary formats to their XML successors, which the docx/xlsx readers
already understand, so merged cells and body order come out the same way for every format.
Each conversion gets its own LibreOffice profile: two conversions sharing one fail silently.
Refs of converted documents point into the converted file ("t2/r5/c3" as LibreOffice laid it
out), which matches the original's table/row/column numbering.
"""
from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tempfile
import time
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path

from extractors.docx import read_docx
from extractors.model import Cell, ExtractionError, Grid, ReadResult

CONVERT_TIMEOUT_S = float(os.environ.get("GONGKAI_SOFFICE_TIMEOUT", "120"))
_INSTALL_HINT = "run scripts/install-system-deps.sh"


def read_doc(data: bytes, name: str) -> ReadResult:
    return _read_word(data, name, "doc")


def read_wps(data: bytes, name: str) -> ReadResult:
    return _read_word(data, name, "wps")


def read_xls(data: bytes, name: str) -> ReadResult:
    """Legacy Excel: LibreOffice Calc converts to .xlsx, then the sheets are read as grids."""
    if find_soffice() is None:
        raise ExtractionError(
            "legacy Excel .xls needs LibreOffice (Calc), which is not installed; "
            f"{_INSTALL_HINT} or convert the file to .xlsx")
    converted, seconds = convert_with_soffice(data, name, "xls", "xlsx:Calc MS Excel 2007 XML")
    result = read_xlsx(converted, name)
    result.format = "xls"
    result.warnings.insert(0, f"converted .xls to .xlsx with LibreOffice in {seconds:.1f} s")
    return result


def _read_word(data: bytes, name: str, suffix: str) -> ReadResult:
    if find_soffice() is None:
        raise ExtractionError(
            "legacy Word .doc/.wps needs LibreOffice, which is not installed; "
            f"{_INSTALL_HINT} or convert the file to .docx")
    converted, seconds = convert_with_soffice(data, name, suffix, "docx:MS Word 2007 XML")
    result = read_docx(converted, name)
    result.format = suffix
    result.warnings.insert(0, f"converted .{suffix} to .docx with LibreOffice in {seconds:.1f} s")
    return result


def find_soffice() -> str | None:
    for exe in ("soffice", "libreoffice"):
        path = shutil.which(exe)
        if path:
            return path
    return None


def convert_with_soffice(data: bytes, name: str, suffix: str, target: str,
                         timeout: float = CONVERT_TIMEOUT_S) -> tuple[bytes, float]:
    """Convert bytes with headless LibreOffice; returns (converted bytes, seconds taken)."""
    soffice = find_soffice()
    if soffice is None:
        raise ExtractionError(f"LibreOffice is not installed; {_INSTALL_HINT}")
    out_ext = target.split(":", 1)[0]
    with tempfile.TemporaryDirectory(prefix="gongkai-convert-") as work, \
            tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        src = Path(work) / f"input.{suffix}"
        src.write_bytes(data)
        outdir = Path(work) / "out"
        cmd = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
               "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
               "--convert-to", target, "--outdir", str(outdir), str(src)]
        started = time.perf_counter()
        stdout, stderr = _run(cmd, timeout, name)
        seconds = time.perf_counter() - started
        produced = outdir / f"input.{out_ext}"
        if not produced.exists() or produced.stat().st_size == 0:
            detail = (stderr or stdout).strip().splitlines()
            reason = detail[-1] if detail else "no output file"
            raise ExtractionError(
                f"{name}: LibreOffice could not convert this .{suffix} file ({reason}); "
                f"open it in WPS/Office and save it as .{out_ext}")
        return produced.read_bytes(), seconds


def _run(cmd: list[str], timeout: float, name: str) -> tuple[str, str]:
    """Run soffice in its own process group so a hung conversion is killed with its children."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ExtractionError(
            f"{name}: LibreOffice took longer than {timeout:g} s to convert it; "
            "the file may be damaged or very large (raise GONGKAI_SOFFICE_TIMEOUT to allow more)") from None
    return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill soffice and the soffice.bin it started, and wait until none of them still runs."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()
    deadline = time.monotonic() + 5
    while _live_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.02)


def _live_members(pgid: int) -> bool:
    """Whether a process of this group still runs (zombies wait for a slow init to reap them)."""
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        return False
    for stat in proc_dir.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


# --- xlsx ---------------------------------------------------------------------------------------

def read_xlsx(data: bytes, name: str) -> ReadResult:
    """Every visible sheet as one grid, merged ranges expanded to origin + copies.

    Refs "sS/rR/cC" (sheet, row, column; 1-based as in Excel). Formulas give their cached values.
    """
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken packages
        raise ExtractionError(f"{name}: not a readable .xlsx ({exc}); open it in Excel/WPS and save it again") from exc
    blocks: list = []
    warnings: list[str] = []
    for s, ws in enumerate(wb.worksheets, start=1):
        if ws.sheet_state != "visible":
            warnings.append(f"s{s}: hidden sheet '{ws.title}' skipped")
            continue
        grid = _sheet_grid(ws, f"s{s}")
        if grid.rows:
            blocks.append(grid)
    return ReadResult(format="xlsx", blocks=blocks, warnings=warnings)


def _sheet_grid(ws, ref: str) -> Grid:
    values: dict[tuple[int, int], str] = {}
    for row in ws.iter_rows():
        for cell in row:
            text = _cell_value(cell.value)
            if text:
                values[(cell.row, cell.column)] = text
    merged: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    for rng in ws.merged_cells.ranges:
        span = (rng.min_row, rng.min_col, rng.max_row - rng.min_row + 1, rng.max_col - rng.min_col + 1)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged[(r, c)] = span
    occupied = list(values) + [k for k, v in merged.items() if (v[0], v[1]) in values]
    if not occupied:
        return Grid(rows=[], ref=ref)
    max_row = max(r for r, _ in occupied)
    max_col = max(c for _, c in occupied)
    rows: list[list[Cell]] = []
    for r in range(1, max_row + 1):
        line: list[Cell] = []
        for c in range(1, max_col + 1):
            r0, c0, rowspan, colspan = merged.get((r, c), (r, c, 1, 1))
            line.append(Cell(text=values.get((r0, c0), ""), ref=f"{ref}/r{r}/c{c}", row=r - 1, col=c - 1,
                             rowspan=rowspan, colspan=colspan, is_span_copy=(r0, c0) != (r, c)))
        if any(cell.text for cell in line):
            rows.append(line)
    return Grid(rows=rows, ref=ref)


def _cell_value(value: object) -> str:
    """The value as a person reads it: whole floats without '.0', dates as ISO, text trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime) and value.time() == dtime(0, 0):
        return value.date().isoformat()
    if isinstance(value, (datetime, date, dtime)):
        return value.isoformat()
    return str(value).strip()
