"""Readers: one per file format, each turning a file into paragraphs and grids.

Readers know nothing about the report template; the matcher in `transforms` does.
"""
