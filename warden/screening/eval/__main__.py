"""``python -m warden.screening.eval``: regenerate the checked-in evaluation set, then print the report."""

from __future__ import annotations

from pathlib import Path

from warden.screening.dictionaries import load_lexicon
from warden.screening.engine import build_default_engine
from warden.screening.eval import clean, disguised, evaluate

here = Path(__file__).parent
(here / "disguised.tsv").write_text(disguised.dump(disguised.generate(load_lexicon().terms)), encoding="utf-8")
(here / "clean.tsv").write_text(clean.dump(clean.generate()), encoding="utf-8")
print("\n".join(evaluate(build_default_engine()).lines()))
