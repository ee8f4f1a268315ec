"""Text screening for sensitive words (S-A6, S-E3)."""

from warden.screening.base import SEVERITIES, Hit, Screener, WordListScreener, severity_rank

__all__ = ["SEVERITIES", "Hit", "Screener", "WordListScreener", "severity_rank"]
