"""DOCX -> PDF through LibreOffice headless, in batches on parallel soffice processes.

One soffice start costs ~1-2 s, so each process converts a batch of files. Processes running at the
same time must not share a user profile (they fail silently), so every worker gets its own
-env:UserInstallation directory, reused for its successive batches.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _run_batch(soffice: str, profile: Path, files: list[Path], out_dir: Path) -> None:
    cmd = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf:writer_pdf_Export",
        "--outdir",
        str(out_dir),
        *map(str, files),
    ]
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120 + 15 * len(files), check=False)


def convert_to_pdf(docx_files: list[Path], workers: int = 2, batch_size: int = 25) -> dict[Path, Path]:
    """Convert each .docx to a .pdf beside it; returns docx -> pdf for those that worked.

    Returns {} (after saying so on stderr) when LibreOffice is not installed.
    """
    soffice = soffice_path()
    if not docx_files:
        return {}
    if soffice is None:
        print(
            "fixturegen: soffice (LibreOffice) not found, PDF generation skipped; "
            "install it with scripts/install-system-deps.sh",
            file=sys.stderr,
        )
        return {}
    by_dir: dict[Path, list[Path]] = defaultdict(list)
    for f in docx_files:
        by_dir[f.parent].append(f)
    batches = [
        (d, files[i : i + batch_size]) for d, files in by_dir.items() for i in range(0, len(files), batch_size)
    ]
    workers = max(1, min(workers, len(batches)))
    with tempfile.TemporaryDirectory(prefix="lo-fixturegen-") as tmp:
        profiles = [Path(tmp) / f"profile-{i}" for i in range(workers)]

        def worker(i: int) -> None:
            for d, files in batches[i::workers]:
                _run_batch(soffice, profiles[i], files, d)

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(worker, range(workers)))
        missing = [f for f in docx_files if not f.with_suffix(".pdf").exists()]
        for f in missing:  # one retry each, alone, for files a failed batch left behind
            _run_batch(soffice, profiles[0], [f], f.parent)
    done = {f: f.with_suffix(".pdf") for f in docx_files if f.with_suffix(".pdf").exists()}
    failed = len(docx_files) - len(done)
    if failed:
        print(f"fixturegen: {failed} of {len(docx_files)} PDF conversions failed", file=sys.stderr)
    return done
