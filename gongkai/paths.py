"""Where the project's data files live (the repo's data/ folder, also for editable installs)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
TEMPLATE = DATA / "template"
ADMIN_DIVISIONS = DATA / "admin_divisions"
DEFAULT_DB = DATA / "warehouse.duckdb"
SAMPLES = DATA / "samples"
