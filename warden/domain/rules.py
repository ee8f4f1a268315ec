"""Compatibility re-export for the merge of issue 11 (delete once no module imports `warden.domain.rules`).

The dispatch shell is `warden.pipeline.engine.RuleEngine`; the S-A rules are `warden.enforcement.rules`.
"""

from warden.pipeline.engine import RuleEngine

__all__ = ["RuleEngine"]
