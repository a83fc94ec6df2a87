"""Template knowledge applied to grids: labels, matching, unit/year/region, inference and checks."""
