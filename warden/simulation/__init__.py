"""A seeded population simulator with ground truth, and the quality runner that measures warden on it.

`population.generate(seed, companies, shops)` builds the directory and events; `quality.run_quality(...)`
ingests them at several batch sizes and reports recall, false positives, explanations and consistency.
"""
