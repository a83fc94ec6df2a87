"""gongkai: 政府信息公开工作年度报告 -> DuckDB warehouse."""

__version__ = "0.1.0"
EXTRACTOR_VERSION = "7"
"""Bump when extraction output can change: documents extracted by an older version are re-extracted."""
