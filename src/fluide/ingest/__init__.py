"""Reading survey exports (CSV, XLSX) into per-score counts, with line-exact errors.

This package is the only place that knows how files are parsed (through
DuckDB, in one typed scan); it returns counts, and `fluide.domain` computes.
"""
