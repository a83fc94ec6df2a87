"""An office's assessment settings: scope, departments, rule pack and deadlines, stored in the warehouse.

The nightly job reads them from the sources file (flows/sources.py: scope, assessment) and stores
them as one JSON value in warehouse_meta, so every later publish — a plain `gongkai ingest` too —
assesses against the same settings. Nothing stored: no scope (today's coverage rule) and the
default rule pack and deadlines of data/assessment/.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from gongkai.paths import DATA
from warehouse.columnar import literal  # literals: binding parameters would import pandas

ASSESSMENT = DATA / "assessment"
DEFAULT_RULES = ASSESSMENT / "rules.csv"
DEFAULT_DEADLINES = ASSESSMENT / "deadlines.csv"
META_KEY = "assessment_config"
RULE_COLUMNS = ("rule_id", "category", "description_zh", "points", "threshold", "min_n")
DEADLINE_COLUMNS = ("region_code", "unit_type", "deadline", "basis")
DEPARTMENT_COLUMNS = ("name", "region_code", "level")
UNIT_TYPES = ("township", "county", "city", "province", "department")


class AssessmentConfigError(ValueError):
    """A rule pack, deadlines or departments file that cannot be used; the message names the file and the fix."""


@dataclass
class AssessmentConfig:
    regions: list[str] = field(default_factory=list)
    departments: list[dict] = field(default_factory=list)  # name, region_code, level
    exclude_kinds: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    rules: list[dict] = field(default_factory=list)
    deadlines: list[dict] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def default_config() -> AssessmentConfig:
    return AssessmentConfig(rules=read_rules(DEFAULT_RULES), deadlines=read_deadlines(DEFAULT_DEADLINES))


def config_from_sources(sources) -> AssessmentConfig:
    """The settings a sources file (flows.sources.Sources) asks for, its files read and checked."""
    scope = sources.scope
    return AssessmentConfig(
        regions=list(scope.regions) if scope else [],
        departments=read_departments(scope.departments) if scope and scope.departments else [],
        exclude_kinds=list(scope.exclude_kinds) if scope else [],
        years=list(scope.years) if scope else [],
        rules=read_rules(sources.rules or DEFAULT_RULES),
        deadlines=read_deadlines(sources.deadlines or DEFAULT_DEADLINES),
    )


def stored_config(con: duckdb.DuckDBPyConnection) -> AssessmentConfig:
    has_meta = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'warehouse_meta'").fetchone()[0]
    row = con.execute(f"SELECT value FROM warehouse_meta WHERE key = {literal(META_KEY)}").fetchone() if has_meta else None
    if row is None:
        return default_config()
    return AssessmentConfig(**json.loads(row[0]))


def store_config(con: duckdb.DuckDBPyConnection, config: AssessmentConfig) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS warehouse_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute(f"INSERT OR REPLACE INTO warehouse_meta VALUES ({literal(META_KEY)}, {literal(config.to_json())})")


def _rows(path: Path, columns: tuple[str, ...], what: str) -> list[dict]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise AssessmentConfigError(
                    f"{path}: the {what} file lacks the column(s) {', '.join(missing)}; its header must be {','.join(columns)}")
            return [{c: (row.get(c) or "").strip() for c in columns} for row in reader]
    except (OSError, UnicodeDecodeError) as exc:
        raise AssessmentConfigError(f"{path}: cannot read the {what} file ({exc}); save it as UTF-8 CSV") from None


def read_rules(path: Path) -> list[dict]:
    rows = _rows(Path(path), RULE_COLUMNS, "rule pack")
    out = []
    for i, row in enumerate(rows, start=2):
        try:
            out.append({**row, "points": float(row["points"] or 0),
                        "threshold": float(row["threshold"]) if row["threshold"] else None,
                        "min_n": int(row["min_n"]) if row["min_n"] else None})
        except ValueError:
            raise AssessmentConfigError(f"{path}: line {i}: points, threshold and min_n must be numbers "
                                        f"(got {row['points']!r}, {row['threshold']!r}, {row['min_n']!r})") from None
    return out


def read_deadlines(path: Path) -> list[dict]:
    rows = _rows(Path(path), DEADLINE_COLUMNS, "deadlines")
    for i, row in enumerate(rows, start=2):
        if not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", row["deadline"]):
            raise AssessmentConfigError(f"{path}: line {i}: deadline must be MM-DD of the following year, e.g. 03-31; got {row['deadline']!r}")
        if row["unit_type"] and row["unit_type"] not in UNIT_TYPES:
            raise AssessmentConfigError(f"{path}: line {i}: unit_type must be empty or one of {', '.join(UNIT_TYPES)}; got {row['unit_type']!r}")
        if row["region_code"] and not re.fullmatch(r"\d{2}|\d{4}|\d{6}|\d{9}", row["region_code"]):
            raise AssessmentConfigError(f"{path}: line {i}: region_code must be empty or a 2, 4, 6 or 9 digit code; got {row['region_code']!r}")
    return rows


def read_departments(path: Path) -> list[dict]:
    rows = _rows(Path(path), DEPARTMENT_COLUMNS, "departments")
    for i, row in enumerate(rows, start=2):
        if not row["name"] or not re.fullmatch(r"\d{2}|\d{4}|\d{6}", row["region_code"]):
            raise AssessmentConfigError(f"{path}: line {i}: each department needs a name and the 2, 4 or 6 digit code "
                                        f"of the government it belongs to; got {row['name']!r}, {row['region_code']!r}")
    return rows
