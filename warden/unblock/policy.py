"""The `unblocking:` section of the policy file (S-D1–D5, S-D7, S-C3 probation): the cap, the health check,
codes, helpers, probation, the plug-in watch and abnormal-unblock detection. Pure: durations parse through the
kernel's parser."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, model_validator

from warden.kernel.durations import Duration
from warden.kernel.durations import Strict as _Strict

HELPER_CHECKS = ("recent_violation", "restricted", "too_new", "not_real_name", "assisted_recently", "no_relationship")
SIGNALS = ("helper_many_accounts", "no_relationship", "shared_device", "assist_burst", "third_party_report")


class CapPolicy(_Strict):
    """S-D3: applications per phone number per rolling window, every application counted."""

    max_applications: int = Field(5, ge=1)
    window: Duration = timedelta(days=30)


class HealthPolicy(_Strict):
    """S-D7: what the client must show before verification."""

    min_client_version: str = Field("4.1.0", pattern=r"^\d+(\.\d+){0,3}$")
    refuse_malware: bool = True
    refuse_plugins: bool = True
    cross_check: bool = True  # S-D7: check the client's claim against the account's own recent logins
    seen_window: Duration = timedelta(hours=24)  # how far back a login's plug-ins, malware or version count


class CodePolicy(_Strict):
    """One-time codes to the bound phone (S-D1) and their guess budgets (issue 12, item 10). Every check of a code
    counts as a guess, right or wrong; the three budgets are counted exactly (atomically) in the database."""

    length: int = Field(6, ge=4, le=10)
    validity: Duration = timedelta(minutes=10)
    max_attempts: int = Field(5, ge=1)  # checks per code; then the code is spent
    max_sends: int = Field(3, ge=1)  # codes per application
    max_guesses: int = Field(10, ge=1)  # checks per application, all its codes together; then it is refused
    phone_guesses: int = Field(20, ge=1)  # checks per phone number in `guess_window`; then 429 until one frees
    guess_window: Duration = timedelta(days=30)


class RelationshipPolicy(_Strict):
    min_contact_age: Duration = timedelta(days=30)
    require_conversation: bool = True  # ≥1 message each way


class HelperPolicy(_Strict):
    """S-D2: who may vouch, and how many must."""

    required: int = Field(1, ge=1, le=5)
    token_validity: Duration = timedelta(minutes=5)
    checks: list[Literal[HELPER_CHECKS]] = list(HELPER_CHECKS)  # type: ignore[valid-type]
    clean_window: Duration = timedelta(days=180)
    min_account_age: Duration = timedelta(days=180)
    assist_window: Duration = timedelta(days=30)
    max_assists: int = Field(1, ge=1)
    relationship: RelationshipPolicy = RelationshipPolicy()


METHODS = ("sms_code", "friend_assist", "platform_check")
"""Verification methods: a one-time code to the bound phone, helpers' confirmations (S-D2), the platform's own
face/ID check reported through the API (issue 15)."""


class VerificationPolicy(_Strict):
    """S-D1: which methods may verify, and which must pass together. `require` is a list of groups; every group must
    be passed by one of its methods. Default (POLICY-DEFAULTS §2.4): the SMS code AND one of a helper or the
    platform's face/ID check. `[[sms_code, friend_assist, platform_check]]` would let any one method lift."""

    methods: list[Literal[METHODS]] = Field(list(METHODS), min_length=1)  # type: ignore[valid-type]
    require: list[list[Literal[METHODS]]] = Field(  # type: ignore[valid-type]
        [["sms_code"], ["friend_assist", "platform_check"]], min_length=1
    )

    @model_validator(mode="after")
    def _possible(self) -> VerificationPolicy:
        for i, group in enumerate(self.require):
            if not group:
                raise ValueError(f"require[{i}] is empty: name the methods that may pass it")
            usable = [m for m in group if m in self.methods]
            if not usable:
                raise ValueError(f"require[{i}] ({', '.join(group)}) names no method allowed by `methods`")
        return self


class ProbationPolicy(_Strict):
    """S-C3 after an unblock: a violation within `duration` climbs `extra_steps` more than the ladder says."""

    enabled: bool = True
    duration: Duration = timedelta(days=30)
    extra_steps: int = Field(1, ge=0, le=5)


class PluginWatchPolicy(_Strict):
    """S-D5: after a plug-in ban is unblocked, a plug-in login within `window` re-bans at ≥ `min_step`."""

    enabled: bool = True
    window: Duration = timedelta(days=30)
    min_step: int = Field(3, ge=0)
    ban_on_detection: int = Field(3, ge=2)  # this many plug-in detections → the permanent top step


class SignalPolicy(_Strict):
    enabled: bool = True
    weight: float = Field(1.0, ge=0)


class AbnormalPolicy(_Strict):
    """S-D4: signals of a bought (third-party) unblock, each with a weight; score ≥ threshold → reversed.

    A standing judgement: an unblock lifted at L is judged on the evidence dated within (L - lookback, L + watch]
    (other unblocks, the requester's and the helpers' logins, health checks, confirmations) and on every report of a
    third-party unblock, and judged again whenever such evidence arrives."""

    enabled: bool = True
    threshold: float = Field(2.0, gt=0)
    lookback: Duration = timedelta(days=90)
    watch: Duration = timedelta(days=90)  # how long after the lift new evidence still counts
    many_accounts: int = Field(3, ge=2)  # helper assisted ≥ this many distinct accounts in `lookback`
    burst_count: int = Field(3, ge=2)  # ≥ this many confirmations from one helper/device/ip within `burst_window`
    burst_window: Duration = timedelta(hours=1)
    signals: dict[Literal[SIGNALS], SignalPolicy] = {  # type: ignore[valid-type]
        "helper_many_accounts": SignalPolicy(weight=1.0),
        "no_relationship": SignalPolicy(weight=1.0),
        "shared_device": SignalPolicy(weight=2.0),
        "assist_burst": SignalPolicy(weight=1.0),
        "third_party_report": SignalPolicy(weight=2.0),
    }
    reban_severity: str = "L"  # severity class of the re-ban strike (a class of the ladder): next step up
    helper_strike_step: int = Field(1, ge=0)


class UnblockPolicy(_Strict):
    enabled: bool = True
    eligible_steps: list[int] = [1, 2, 3, 4]
    respect_earliest_date: bool = True
    cap: CapPolicy = CapPolicy()
    health: HealthPolicy = HealthPolicy()
    verification: VerificationPolicy = VerificationPolicy()
    code: CodePolicy = CodePolicy()
    helpers: HelperPolicy = HelperPolicy()
    probation: ProbationPolicy = ProbationPolicy()
    plugin_watch: PluginWatchPolicy = PluginWatchPolicy()
    abnormal: AbnormalPolicy = AbnormalPolicy()
