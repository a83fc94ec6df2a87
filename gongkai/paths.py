"""Where the project's data files live (the repo's data/ folder, also for editable installs)."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
TEMPLATE = DATA / "template"
ADMIN_DIVISIONS = DATA / "admin_divisions"
DEFAULT_DB = DATA / "warehouse.duckdb"
SAMPLES = DATA / "samples"
CACHE_ENV = "GONGKAI_CACHE"


def cache_folder() -> Path:
    """Where rebuildable files are kept per machine: $GONGKAI_CACHE, else $XDG_CACHE_HOME/gongkai, else ~/.cache/gongkai."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gongkai"
