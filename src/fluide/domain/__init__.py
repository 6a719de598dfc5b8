"""Pure CES domain: scales, metrics, statistics, periods. No I/O here.

Every figure Fluide shows is computed by a function of this package, from
per-score counts (a sufficient statistic for a discrete scale), so the CLI,
the API and the reports agree to the last digit.
"""
