"""`warden bench …`: benchmarks that print figures (never pass/fail), one module per benchmark.

`ingest` (the ingest rate against the driver's insert floor, rate vs stored history, HTTP latency), `quality`
(the decisions on a simulated population), `screen` (the screening engine against the raw matcher, both batched,
with its quality `corpus`), `weight` (weight upkeep on vs off, the full recompute), `measure` (wall and CPU time,
medians of interleaved repeats with min and max) and `cli` (the commands). A benchmark is a
tool: it may load fixtures or time a baseline through a store or the raw driver (the insert floor is a baseline
by definition); what it measures goes through the services (checked by `tests/test_layout.py`).
"""
