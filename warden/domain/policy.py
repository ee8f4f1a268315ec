"""Compatibility re-exports for the merge of issue 11 (delete once no module imports `warden.domain.policy`).

The policy file schema is `warden.policy`, the S-A rule sections `warden.enforcement.policy`, file reading
`warden.adapters.policy_file`.
"""

from warden.adapters.policy_file import DEFAULT_POLICY_PATH, load_policy
from warden.enforcement.policy import (
    InboundAddBurst,
    Modifier,
    NegativeFeedback,
    PhoneSearchVelocity,
    PluginSoftware,
    Reports,
    ReportThreshold,
    RuleBase,
    Rules,
    SensitiveWords,
    UnverifiedEnterpriseCap,
    WeightScaling,
    Word,
)
from warden.policy import AppealsPolicy, LoadedPolicy, Policy, PolicyError, load_policy_text

__all__ = [
    "DEFAULT_POLICY_PATH",
    "AppealsPolicy",
    "InboundAddBurst",
    "LoadedPolicy",
    "Modifier",
    "NegativeFeedback",
    "PhoneSearchVelocity",
    "PluginSoftware",
    "Policy",
    "PolicyError",
    "ReportThreshold",
    "Reports",
    "RuleBase",
    "Rules",
    "SensitiveWords",
    "UnverifiedEnterpriseCap",
    "WeightScaling",
    "Word",
    "load_policy",
    "load_policy_text",
]
