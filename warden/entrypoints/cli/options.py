"""The options many commands share, in one place: `--database`, `--policy` and `--lang`.

`--lang` is a choice, so a value other than zh or en is refused by the parser itself (exit 2, naming the option),
before any database is opened.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from warden.kernel.i18n import Lang

DatabaseOpt = Annotated[
    str | None, typer.Option("--database", "-d", help="Database URL (overrides WARDEN_DATABASE_URL).")
]
PolicyOpt = Annotated[Path | None, typer.Option("--policy", "-p", help="Policy file (overrides WARDEN_POLICY).")]


class Language(StrEnum):
    """The languages texts are shown in (`--lang`)."""

    zh = "zh"
    en = "en"

    @property
    def lang(self) -> Lang:
        return "en" if self is Language.en else "zh"


LangOpt = Annotated[Language, typer.Option("--lang", help="Language of the texts: zh (中文) or en.")]
