"""Text screening for sensitive words (S-A6, S-E3)."""

from warden.screening.base import SEVERITIES, Hit, Screener, WordListScreener, severity_rank
from warden.screening.dictionaries import Lexicon, TermSpec, load_lexicon
from warden.screening.engine import ScreeningEngine, build_default_engine
from warden.screening.registry import PLATFORM, ListChange, ScreenerRegistry

__all__ = [
    "PLATFORM",
    "SEVERITIES",
    "Hit",
    "Lexicon",
    "ListChange",
    "Screener",
    "ScreenerRegistry",
    "ScreeningEngine",
    "TermSpec",
    "WordListScreener",
    "build_default_engine",
    "load_lexicon",
    "severity_rank",
]
