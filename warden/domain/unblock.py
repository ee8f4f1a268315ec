"""The way back (S-D): self-service and friend-assisted unblocking, the per-phone cap, probation, abnormal
(third-party) unblock detection and the plug-in watch.

Pure: no I/O, time comes in as arguments. The policy section's models live here (and are imported by
`warden.domain.policy`), so this module imports nothing from the policy module at load time; durations
parse through the policy's own parser, looked up lazily.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from warden.domain.explain import ADVICE, RULE_TITLES, Lang
from warden.kernel.ladder import next_step
from warden.kernel.model import Account, Restriction, Strike, StrikeStatus


def _duration(value: Any) -> Any:
    from warden.kernel.durations import parse_duration  # lazy: policy.py imports this module

    return parse_duration(value)


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- policy section ------------------------------------------------------------------------------------

HELPER_CHECKS = ("recent_violation", "restricted", "too_new", "not_real_name", "assisted_recently", "no_relationship")
SIGNALS = ("helper_many_accounts", "no_relationship", "shared_device", "assist_burst")


class CapPolicy(_Strict):
    """S-D3: applications per phone number per rolling window, every application counted."""

    max_applications: int = Field(5, ge=1)
    window: Duration = timedelta(days=30)


class HealthPolicy(_Strict):
    """S-D7: what the client must show before verification."""

    min_client_version: str = Field("4.1.0", pattern=r"^\d+(\.\d+){0,3}$")
    refuse_malware: bool = True
    refuse_plugins: bool = True


class CodePolicy(_Strict):
    length: int = Field(6, ge=4, le=10)
    validity: Duration = timedelta(minutes=10)
    max_attempts: int = Field(5, ge=1)  # wrong codes per code
    max_sends: int = Field(3, ge=1)  # codes per application


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


class VerificationPolicy(_Strict):
    methods: list[Literal["sms_code", "friend_assist"]] = Field(["sms_code", "friend_assist"], min_length=1)
    required: int = Field(1, ge=1, le=2)  # how many distinct methods must pass

    @model_validator(mode="after")
    def _enough(self) -> VerificationPolicy:
        if self.required > len(set(self.methods)):
            raise ValueError(f"required {self.required} methods but only {len(set(self.methods))} are allowed")
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
    """S-D4: signals of a bought (third-party) unblock, each with a weight; score ≥ threshold → reversed."""

    enabled: bool = True
    threshold: float = Field(2.0, gt=0)
    lookback: Duration = timedelta(days=90)
    many_accounts: int = Field(3, ge=2)  # helper assisted ≥ this many distinct accounts in `lookback`
    burst_count: int = Field(3, ge=2)  # ≥ this many confirmations from one helper/device/ip within `burst_window`
    burst_window: Duration = timedelta(hours=1)
    signals: dict[Literal[SIGNALS], SignalPolicy] = {  # type: ignore[valid-type]
        "helper_many_accounts": SignalPolicy(weight=1.0),
        "no_relationship": SignalPolicy(weight=1.0),
        "shared_device": SignalPolicy(weight=2.0),
        "assist_burst": SignalPolicy(weight=1.0),
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


# --- texts (zh default, en) --------------------------------------------------------------------------------

RULE_TITLES.setdefault(
    "third_party_unblock", {"zh": "异常解封（第三方平台解封）", "en": "Abnormal (third-party) unblock"}
)
RULE_TITLES.setdefault("third_party_helper", {"zh": "为他人异常辅助解封", "en": "Helped an abnormal unblock"})
ADVICE.setdefault(
    "third_party_unblock",
    {
        "zh": "不要通过第三方平台或付费“辅助”解封；异常解封会被重新封停且不能自助解封，如有异议可以申诉。",
        "en": "Do not unblock through third-party platforms or paid helpers; abnormal unblocks are banned again "
        "without self-service. You may appeal.",
    },
)


def _date(p: dict[str, Any], key: str) -> str:
    """A stored ISO time as a person reads it (minutes, UTC); machine fields keep the full ISO value."""
    value = p.get(key)
    if not value:
        return ""
    try:
        return datetime.fromisoformat(str(value)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return str(value)


def text(code: str, p: dict[str, Any], lang: Lang) -> str:
    """One sentence for a refusal, a health failure, a helper refusal or an abnormal signal."""
    zh = lang == "zh"
    match code:
        case "cap_reached":
            return (
                f"同一手机号 {p['window_days']} 天内最多申请解封 {p['cap']} 次，已用完；"
                f"最早 {_date(p, 'next_at')} 后可再申请。"
                if zh
                else f"At most {p['cap']} unblock applications per phone number within {p['window_days']} days; "
                f"none left. Next possible after {_date(p, 'next_at')}."
            )
        case "permanent":
            return (
                "严重违规，永久封停，不可解封；如确认没有违规，可以申诉。"
                if zh
                else "Severe violation: permanently banned and cannot be unblocked; you may appeal."
            )
        case "not_self_unblockable":
            return (
                "当前限制不支持自助解封（到期自动解除，或需申诉）。"
                if zh
                else "This restriction cannot be lifted by self-service (it ends by itself, or needs an appeal)."
            )
        case "enterprise_restricted":
            return (
                "企业整体受限，需由企业管理员携资质材料申诉。"
                if zh
                else "The whole enterprise is restricted; the enterprise admin appeals with its documents."
            )
        case "too_early":
            return (
                f"还未到可申请解封的时间，最早 {_date(p, 'earliest_at')} 起可申请。"
                if zh
                else f"Too early: unblocking can be requested from {_date(p, 'earliest_at')}."
            )
        case "disabled":
            return "自助解封暂未开放。" if zh else "Self-service unblocking is switched off."
        case "no_longer_restricted":
            return "限制已经结束，无需解封。" if zh else "The restriction has already ended; nothing to unblock."
        case "too_many_attempts":
            return "验证码错误次数过多，本次申请已终止。" if zh else "Too many wrong codes; this application is closed."
        case "abnormal_unblock":
            return (
                f"本次解封被判定为异常（第三方平台解封，风险分 {p['score']} ≥ {p['threshold']}），"
                "已重新封停，且不能自助解封。"
                if zh
                else f"This unblock was judged abnormal (third-party unblocking, risk score {p['score']} ≥ "
                f"{p['threshold']}); the account is banned again without self-service."
            )
        # health (S-D7)
        case "health.malware":
            return (
                "检测到手机可能中了木马病毒，请先查杀。"
                if zh
                else "Malware was detected on the phone; remove it first."
            )
        case "health.outdated_client":
            return (
                f"客户端版本 {p['client_version']} 过旧，请升级到 {p['min_version']} 或以上。"
                if zh
                else f"Client version {p['client_version']} is outdated; update to {p['min_version']} or later."
            )
        case "health.plugins":
            return (
                f"仍检测到外挂：{'、'.join(p['signatures'])}，请卸载后再试。"
                if zh
                else f"Plug-ins still present: {', '.join(p['signatures'])}; uninstall them first."
            )
        # helpers (S-D2)
        case "helper.recent_violation":
            return (
                f"辅助者半年内有违规（{_date(p, 'last_at')}），不能辅助解封。"
                if zh
                else f"The helper had a violation within the last six months ({_date(p, 'last_at')}) and cannot help."
            )
        case "helper.restricted":
            return "辅助者自己正处于限制中，不能辅助解封。" if zh else "The helper is restricted and cannot help."
        case "helper.too_new":
            return (
                f"辅助者注册不满 {p['min_days']} 天（{p['age_days']} 天）。"
                if zh
                else f"The helper's account is younger than {p['min_days']} days ({p['age_days']} days)."
            )
        case "helper.not_real_name":
            return "辅助者未完成实名认证。" if zh else "The helper is not real-name verified."
        case "helper.assisted_recently":
            return (
                f"辅助者 {p['window_days']} 天内已辅助解封 {p['assists']} 次，达到上限 {p['max']} 次。"
                if zh
                else f"The helper already assisted {p['assists']} time(s) within {p['window_days']} days "
                f"(limit {p['max']})."
            )
        case "helper.no_relationship":
            return (
                f"辅助者与申请人不是满 {p['min_days']} 天的好友，或没有过双向聊天。"
                if zh
                else f"The helper has not been a contact for {p['min_days']} days with a two-way conversation."
            )
        case "helper.expired":
            return "辅助确认已过期。" if zh else "The helper confirmation has expired."
        case "helper.used":
            return "辅助确认已使用过。" if zh else "The helper confirmation was already used."
        # abnormal signals (S-D4)
        case "signal.helper_many_accounts":
            return (
                f"辅助者 {p['helper_id']} 在 {p['days']} 天内辅助了 {p['accounts']} 个不同账号。"
                if zh
                else f"Helper {p['helper_id']} assisted {p['accounts']} different accounts within {p['days']} days."
            )
        case "signal.no_relationship":
            return (
                f"辅助者 {p['helper_id']} 与申请人此前没有好友关系或聊天记录。"
                if zh
                else f"Helper {p['helper_id']} had no prior contact or conversation with the requester."
            )
        case "signal.shared_device":
            return (
                f"辅助者 {p['helper_id']} 与{p['with']}共用设备或网络（{p['what']}）。"
                if zh
                else f"Helper {p['helper_id']} shares a device or network ({p['what']}) with {p['with']}."
            )
        case "signal.assist_burst":
            return (
                f"{p['key']} 在 {p['minutes']} 分钟内确认了 {p['count']} 次辅助解封。"
                if zh
                else f"{p['key']} confirmed {p['count']} assists within {p['minutes']} minutes."
            )
    return code


STATE_TEXT: dict[str, dict[str, str]] = {
    "awaiting_health_check": {"zh": "待手机安全检测", "en": "waiting for the client health check"},
    "awaiting_verification": {"zh": "待验证（验证码或好友辅助）", "en": "waiting for verification (code or helpers)"},
    "lifted": {"zh": "已解封", "en": "unblocked"},
    "refused": {"zh": "已拒绝", "en": "refused"},
    "reversed": {"zh": "异常解封，已重新封停", "en": "abnormal unblock, banned again"},
}


def explained(code: str, params: dict[str, Any], lang: Lang) -> dict[str, Any]:
    return {"code": code, "params": params, "text": text(code, params, lang)}


# --- eligibility -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    targets: list[Restriction]  # what a successful unblock lifts
    refusal: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def eligibility(
    policy: UnblockPolicy, own: list[Restriction], enterprise: list[Restriction], now: datetime
) -> Eligibility:
    """Which active restrictions self-service may lift, or why it may not (S-D1, S-C4, earliest date)."""
    if not policy.enabled:
        return Eligibility([], "disabled")
    active = [r for r in own if r.active_at(now)]
    if any(r.permanent for r in active):
        return Eligibility([], "permanent")
    if any(r.active_at(now) for r in enterprise):
        return Eligibility([], "enterprise_restricted")
    targets = [r for r in active if r.self_unblock and r.step in policy.eligible_steps]
    if not targets:
        return Eligibility([], "not_self_unblockable" if active else "no_longer_restricted")
    if policy.respect_earliest_date:
        earliest = max((r.earliest_unblock_at for r in targets if r.earliest_unblock_at), default=None)
        if earliest is not None and now < earliest:
            return Eligibility(targets, "too_early", {"earliest_at": earliest.isoformat()})
    return Eligibility(targets)


# --- health check (S-D7) ------------------------------------------------------------------------------------


def version_tuple(v: str) -> tuple[int, ...]:
    parts = [int(x) for x in v.split(".")]
    return tuple(parts + [0] * (4 - len(parts)))


def health_failures(
    policy: HealthPolicy, client_version: str, malware_flag: bool, plugin_signatures: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    if policy.refuse_malware and malware_flag:
        out.append(("health.malware", {}))
    if version_tuple(client_version) < version_tuple(policy.min_client_version):
        out.append(
            ("health.outdated_client", {"client_version": client_version, "min_version": policy.min_client_version})
        )
    if policy.refuse_plugins and plugin_signatures:
        out.append(("health.plugins", {"signatures": sorted(set(plugin_signatures))}))
    return out


# --- helpers (S-D2) -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HelperFacts:
    """What the service read about a helper, for the pure checks."""

    account: Account
    strikes: list[Strike]
    active_restrictions: list[Restriction]
    confirmed_assists: int  # confirmations within the policy's assist window
    contact_since: datetime | None  # earliest contact between helper and requester, either direction
    two_way_conversation: bool


def helper_refusals(policy: HelperPolicy, facts: HelperFacts, now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """Every reason this helper may not vouch, in the policy's order (empty: the helper may confirm)."""
    out: list[tuple[str, dict[str, Any]]] = []
    for check in policy.checks:
        if check == "recent_violation":
            since = now - policy.clean_window
            recent = [s for s in facts.strikes if s.status is StrikeStatus.ACTIVE and since < s.at <= now]
            if recent:
                last = max(s.at for s in recent)
                out.append(
                    (
                        "helper.recent_violation",
                        {"last_at": last.isoformat(), "window_days": policy.clean_window.days, "count": len(recent)},
                    )
                )
        elif check == "restricted" and facts.active_restrictions:
            out.append(("helper.restricted", {"restrictions": [r.id for r in facts.active_restrictions]}))
        elif check == "too_new" and facts.account.age_days(now) < policy.min_account_age.total_seconds() / 86400:
            out.append(
                (
                    "helper.too_new",
                    {"age_days": int(facts.account.age_days(now)), "min_days": policy.min_account_age.days},
                )
            )
        elif check == "not_real_name" and not facts.account.real_name_verified:
            out.append(("helper.not_real_name", {}))
        elif check == "assisted_recently" and facts.confirmed_assists >= policy.max_assists:
            out.append(
                (
                    "helper.assisted_recently",
                    {
                        "assists": facts.confirmed_assists,
                        "max": policy.max_assists,
                        "window_days": policy.assist_window.days,
                    },
                )
            )
        elif check == "no_relationship" and not related(policy.relationship, facts, now):
            out.append(("helper.no_relationship", {"min_days": policy.relationship.min_contact_age.days}))
    return out


def related(policy: RelationshipPolicy, facts: HelperFacts, now: datetime) -> bool:
    if facts.contact_since is None or now - facts.contact_since < policy.min_contact_age:
        return False
    return facts.two_way_conversation or not policy.require_conversation


# --- abnormal unblocks (S-D4) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssistFacts:
    """One helper's confirmation of this unblock, and what the service found around it."""

    helper_id: str
    related: bool
    device_id: str | None
    ip: str | None
    accounts_assisted: int  # distinct requesters this helper confirmed for within the lookback (this one included)
    requester_devices: frozenset[str]
    requester_ips: frozenset[str]
    device_shared_with: list[str]  # other requesters (unrelated unblocks) whose helper used this device or ip
    burst: tuple[str, int] | None  # (helper/device/ip key, confirmations within the burst window)


@dataclass(frozen=True)
class Verdict:
    score: float
    threshold: float
    signals: list[tuple[str, float, dict[str, Any]]]

    @property
    def abnormal(self) -> bool:
        return self.score >= self.threshold

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "threshold": self.threshold,
            "abnormal": self.abnormal,
            "signals": [{"code": c, "weight": w, "params": p} for c, w, p in self.signals],
        }


def judge(policy: AbnormalPolicy, assists: list[AssistFacts]) -> Verdict:
    """Score the signals of a friend-assisted unblock; each signal fires at most once per helper."""
    found: list[tuple[str, float, dict[str, Any]]] = []

    def add(name: str, params: dict[str, Any]) -> None:
        sig = policy.signals.get(name)
        if sig is not None and sig.enabled:
            found.append((f"signal.{name}", sig.weight, params))

    for a in assists:
        if a.accounts_assisted >= policy.many_accounts:
            add(
                "helper_many_accounts",
                {"helper_id": a.helper_id, "accounts": a.accounts_assisted, "days": policy.lookback.days},
            )
        if not a.related:
            add("no_relationship", {"helper_id": a.helper_id})
        shared = []
        if a.device_id and a.device_id in a.requester_devices:
            shared.append(f"device {a.device_id}")
        if a.ip and a.ip in a.requester_ips:
            shared.append(f"ip {a.ip}")
        if shared:
            add("shared_device", {"helper_id": a.helper_id, "with": "requester", "what": ", ".join(shared)})
        elif a.device_shared_with:
            add(
                "shared_device",
                {
                    "helper_id": a.helper_id,
                    "with": "other unblocks: " + ", ".join(sorted(a.device_shared_with)),
                    "what": ", ".join(x for x in (a.device_id, a.ip) if x),
                },
            )
        if a.burst is not None and a.burst[1] >= policy.burst_count:
            add(
                "assist_burst",
                {"key": a.burst[0], "count": a.burst[1], "minutes": int(policy.burst_window.total_seconds() // 60)},
            )
    score = round(sum(w for _, w, _ in found), 3)
    return Verdict(score, policy.threshold, found)


# --- probation and plug-in watch (S-C3, S-D5) -------------------------------------------------------------------


@dataclass(frozen=True)
class LiftedUnblock:
    """An unblock that lifted restrictions: what the ladder must remember afterwards."""

    application_id: str
    account_id: str
    lifted_at: datetime
    step: int
    rules: tuple[str, ...]
    plugin_signatures: tuple[str, ...]


def probation_of(policy: ProbationPolicy, unblocks: list[LiftedUnblock], at: datetime) -> LiftedUnblock | None:
    if not policy.enabled:
        return None
    live = [u for u in unblocks if u.lifted_at <= at < u.lifted_at + policy.duration]
    return max(live, key=lambda u: u.lifted_at, default=None)


def plugin_watch_of(policy: PluginWatchPolicy, unblocks: list[LiftedUnblock], at: datetime) -> LiftedUnblock | None:
    if not policy.enabled:
        return None
    live = [u for u in unblocks if "plugin_software" in u.rules and u.lifted_at <= at < u.lifted_at + policy.window]
    return max(live, key=lambda u: u.lifted_at, default=None)


# --- the ladder's floors after an unblock (S-C3 probation, S-D5 plug-in re-ban) ----------------------------------


def step_floor(
    pol: UnblockPolicy,
    ladder: Any,
    plugin_severity: str,
    lifted: list[LiftedUnblock],
    subject: Any,
    severity: str,
    at: datetime,
) -> int:
    """Probation: one more step than the ladder says. Plug-in after an unblock: ≥ min_step; Nth → top."""
    history = sorted((s.at, s.step) for s in subject.strikes if s.status is StrikeStatus.ACTIVE)
    floor = 0
    if probation_of(pol.probation, lifted, at) is not None:
        floor = next_step(ladder, history, severity, at) + pol.probation.extra_steps
    if severity == plugin_severity and pol.plugin_watch.enabled:
        if plugin_watch_of(pol.plugin_watch, lifted, at) is not None:
            floor = max(floor, pol.plugin_watch.min_step, next_step(ladder, history, severity, at))
        prior = [s for s in subject.strikes if s.rule_id == "plugin_software" and s.status is StrikeStatus.ACTIVE]
        if len(prior) + 1 >= pol.plugin_watch.ban_on_detection:
            floor = ladder.top
    return int(min(floor, ladder.top))


def strike_note(pol: UnblockPolicy, lifted: list[LiftedUnblock], strike: Strike, subject: Any) -> dict[str, Any]:
    """Why a strike's step is higher after an unblock (probation, a plug-in seen again), for its evidence."""
    note: dict[str, Any] = {}
    p = probation_of(pol.probation, lifted, strike.at)
    if p is not None:
        note["probation"] = {
            "application": p.application_id,
            "lifted_at": p.lifted_at.isoformat(),
            "until": (p.lifted_at + pol.probation.duration).isoformat(),
            "extra_steps": pol.probation.extra_steps,
        }
    if strike.rule_id == "plugin_software":
        w = plugin_watch_of(pol.plugin_watch, lifted, strike.at)
        if w is not None:
            seen = set(strike.evidence.get("signatures", []))
            note["plugin_reban"] = {
                "application": w.application_id,
                "lifted_at": w.lifted_at.isoformat(),
                "recorded_signatures": list(w.plugin_signatures),
                "still_present": sorted(seen & set(w.plugin_signatures)),
                "min_step": pol.plugin_watch.min_step,
            }
        count = sum(1 for s in subject.strikes if s.rule_id == "plugin_software" and s.status is StrikeStatus.ACTIVE)
        if pol.plugin_watch.enabled and count >= pol.plugin_watch.ban_on_detection:
            note["plugin_detections"] = count
    return note
