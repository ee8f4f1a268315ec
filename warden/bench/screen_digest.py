"""A digest of everything the screening engine finds, to show that a speed change changed no result.

``python -m warden.bench.screen_digest`` runs the shipped engine over the `warden bench screen` workload (100,000
generated messages, batched), every evaluation set (generated disguised and clean, held-out, the first fresh
corpus's two halves, the second, third and fourth fresh corpora), the quality corpus and every string written in
the screening tests (batched and one by one), and an enterprise-style engine (`ScreeningEngine.for_terms` with
detectors, per category) over the same small sets; it prints a SHA-256 per set of each message's hits (term,
category, severity, channel, span, matched text, intent) and their explanation (`explain.techniques`), and one over
all of them. Equal digests before and after a change: the same results.
"""

from __future__ import annotations

import ast
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

from warden.bench.corpus import load_corpus
from warden.bench.screen import generate_messages
from warden.screening.base import Hit
from warden.screening.engine import build_default_engine
from warden.screening.eval import load_clean, load_disguised
from warden.screening.eval.fresh import load_fresh_clean, load_fresh_spam
from warden.screening.eval.fresh2 import load_fresh2_clean, load_fresh2_spam
from warden.screening.eval.fresh3 import load_fresh3_clean, load_fresh3_spam
from warden.screening.eval.fresh4 import load_fresh4_clean, load_fresh4_spam
from warden.screening.eval.heldout import load_heldout_clean, load_heldout_spam
from warden.screening.explain import techniques

ENTERPRISE_TERMS = (
    ("ProjectX", "confidential", "high"),
    ("报价底线", "confidential", "high"),
    ("报价", "pricing", "low"),
    ("红包", "red_packet", "medium"),
    ("银行转账", "fraud", "high"),
)


def test_strings(root: Path) -> list[str]:
    """Every string constant written in ``tests/screening`` (the examples the tests pin), sorted."""
    found: set[str] = set()
    for path in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip():
                found.add(node.value)
    return sorted(found)


def _line(text: str, hits: Sequence[Hit]) -> bytes:
    parts = [text]
    for h in hits:
        parts.append(
            f"{h.term}|{h.category}|{h.severity}|{h.channel}|{h.start}|{h.end}|{h.matched}|{h.intent}|"
            + ",".join(techniques(h))
        )
    return ("\x1e".join(parts) + "\n").encode("utf-8", "surrogatepass")


def digest(texts: Sequence[str], results: Sequence[Sequence[Hit]]) -> str:
    h = hashlib.sha256()
    for text, hits in zip(texts, results, strict=True):
        h.update(_line(text, hits))
    return h.hexdigest()


def sets(tests_root: Path) -> dict[str, list[str]]:
    """The message sets, by name."""
    return {
        "disguised": [r.text for r in load_disguised()],
        "clean": [m.text for m in load_clean()],
        "heldout": [r.text for r in load_heldout_spam()] + [m.text for m in load_heldout_clean()],
        "fresh-dev": [r.text for r in load_fresh_spam("dev")] + [m.text for m in load_fresh_clean("dev")],
        "fresh-test": [r.text for r in load_fresh_spam("test")] + [m.text for m in load_fresh_clean("test")],
        "fresh2": [r.text for r in load_fresh2_spam()] + [m.text for m in load_fresh2_clean()],
        "fresh3": [r.text for r in load_fresh3_spam()] + [m.text for m in load_fresh3_clean()],
        "fresh4": [r.text for r in load_fresh4_spam()] + [m.text for m in load_fresh4_clean()],
        "corpus": [r.text for r in load_corpus()],
        "tests": test_strings(tests_root),
    }


def run(tests_root: Path, workload: int = 100_000) -> dict[str, str]:
    """Digest per set and over all (``all``)."""
    engine = build_default_engine()
    enterprise = engine.for_terms(ENTERPRISE_TERMS, ["报价单"], detectors=True, per_category=True)
    out: dict[str, str] = {}
    msgs = generate_messages(workload)
    out["workload"] = digest(msgs, engine.screen_many(msgs))
    for name, texts in sets(tests_root).items():
        out[name] = digest(texts, engine.screen_many(texts))
        out[name + "/single"] = digest(texts, [engine.screen(t) for t in texts])
        out[name + "/enterprise"] = digest(texts, enterprise.screen_many(texts))
    total = hashlib.sha256()
    for name, value in out.items():
        total.update(f"{name}={value}\n".encode())
    out["all"] = total.hexdigest()
    return out


def main(argv: Sequence[str]) -> None:
    root = Path(argv[0]) if argv else Path("tests/screening")
    for name, value in run(root).items():
        print(f"{name:24} {value}")


if __name__ == "__main__":
    main(sys.argv[1:])
