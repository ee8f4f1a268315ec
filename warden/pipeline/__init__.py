"""The ingest flow: batch, Feature hook contract, rule dispatch, effects and the ingest use case. It knows no
feature by name; features plug in through `Feature` (see `feature.py` for the call order)."""
