"""The DuckDB warehouse: star schema, analyst views, staged builds swapped in atomically."""
