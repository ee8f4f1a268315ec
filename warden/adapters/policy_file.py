"""Reading the policy file from disk: the shipped default and `load_policy(path)`.

Parsing and validation are `warden.policy.load_policy_text`; this adapter only reads the bytes.
"""

from __future__ import annotations

from pathlib import Path

from warden.policy import MAX_POLICY_CHARS, LoadedPolicy, PolicyError, load_policy_text

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent.parent / "policies" / "default.yaml"


def load_policy(path: str | Path | None = None) -> LoadedPolicy:
    """Read and validate a policy file (the shipped default when `path` is None); `PolicyError` if it cannot be used.

    A file larger than 4 bytes per allowed character (`MAX_POLICY_CHARS`, UTF-8's widest) is refused unread."""
    p = Path(path) if path is not None else DEFAULT_POLICY_PATH
    try:
        if p.stat().st_size > 4 * MAX_POLICY_CHARS:
            raise PolicyError(
                str(p), [f"{p}: {p.stat().st_size:,} bytes; a policy has at most {MAX_POLICY_CHARS:,} characters"]
            )
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PolicyError(str(p), [f"{p}: no such file"]) from exc
    except UnicodeDecodeError as exc:
        raise PolicyError(str(p), [f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    return load_policy_text(text, str(p))
