"""Weight (权重, S-B1–B3) and the S-A5 cascade: how far the platform trusts an account or an enterprise, and
when a whole enterprise is restricted for its members.

Pure: `policy` (the `weight:` section), `state` (what the events said), `scoring` (scores, explained and lean),
`cascade` (the S-A5 decision), `texts` (zh/en), `access`, `views`. I/O: `store` (the only SQL), `feature`
(the ingest hooks), `service` (reads), `recompute`. Edges: `http`, `cli` (the benchmark is `warden/bench/weight.py`).
"""
