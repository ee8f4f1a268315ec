"""Reading the policy file from disk: the shipped default and `load_policy(path)`.

Parsing and validation are `warden.policy.load_policy_text`; this adapter only reads the bytes.
"""

from __future__ import annotations

from pathlib import Path

from warden.policy import MAX_POLICY_CHARS, LoadedPolicy, PolicyError, load_policy_text

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent.parent / "policies" / "default.yaml"


def read_policy_text(path: str | Path) -> str:
    """A policy file's text; `PolicyError` naming the file when it cannot be read: missing, a directory, unreadable,
    not UTF-8, or larger than 4 bytes per allowed character (`MAX_POLICY_CHARS`, UTF-8's widest: refused unread)."""
    p = Path(path)
    try:
        if p.stat().st_size > 4 * MAX_POLICY_CHARS:
            raise PolicyError(
                str(p), [f"{p}: {p.stat().st_size:,} bytes; a policy has at most {MAX_POLICY_CHARS:,} characters"]
            )
        return p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PolicyError(str(p), [f"{p}: no such file"]) from exc
    except IsADirectoryError as exc:
        raise PolicyError(str(p), [f"{p}: is a directory, not a policy file"]) from exc
    except UnicodeDecodeError as exc:
        raise PolicyError(str(p), [f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    except OSError as exc:
        raise PolicyError(str(p), [f"{p}: cannot be read ({exc.strerror or exc})"]) from exc


def load_policy(path: str | Path | None = None) -> LoadedPolicy:
    """Read and validate a policy file (the shipped default when `path` is None); `PolicyError` if it cannot be used
    (`read_policy_text`, `warden.policy.load_policy_text`: each problem names the file and line)."""
    p = Path(path) if path is not None else DEFAULT_POLICY_PATH
    return load_policy_text(read_policy_text(p), str(p), term_check=term_check)


def term_check(term: str) -> str | None:
    """What is wrong with a word of a policy's lists, in English and Chinese (`screening.terms`); None when good."""
    from warden.screening.terms import term_message  # the fold tables load only when a policy has words

    return term_message(term, "both")
