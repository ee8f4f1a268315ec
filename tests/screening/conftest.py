"""Shared fixtures for the screening tests: one engine over the shipped lexicon per session."""

from __future__ import annotations

import pytest

from warden.screening import ScreeningEngine, build_default_engine


@pytest.fixture(scope="session")
def engine() -> ScreeningEngine:
    return build_default_engine()
