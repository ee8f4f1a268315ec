"""A seeded, realistic population of enterprises, accounts and their events, with ground-truth labels.

`generate(seed, companies=…, shops=…, now=…)` returns a `Population`: the directory (enterprises and accounts
as `Warden.register_*` takes them) and every event as a dict `Warden.ingest` takes, sorted by
`(occurred_at, id)`. The same seed gives the same population, byte for byte; another seed gives another.

Shape of a population (defaults in brackets):
- `companies` healthy enterprises of 40–200 staff [6] and `shops` small shops of 2–8 staff [= companies];
- about 1 % abusers (`abuser_share`), of every abuser kind, placed in the companies (bought or rogue accounts)
  except fraudsters, who sit in small unverified shell enterprises of their own;
- a warm-up month of ordinary activity [30 days] followed by the measured period [7 days], ending at
  midnight (Asia/Shanghai) before `now`. Every event is dated before `now`: the runner injects `now` as its
  fixed clock, nothing reads the wall clock.

Time is local working time in Asia/Shanghai (offices 09:00–18:30 on weekdays with some overtime; shops
10:00–21:00 six days a week). Events carry a `+08:00` offset. Ids: accounts `c03-u0042` (company 3),
`s01-u02` (shop 1), `x01-u01` (shell 1); events `<account id>.<n>` in generation order — stable per seed.

Not modelled (yet): enterprise admins' manual actions, appeals and unblocks, group chats, the platform's
responses feeding back into behaviour (the population is open-loop: a refused spammer keeps trying, as bots do).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from warden.kernel.model import Account, Enterprise
from warden.simulation import texts

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_NOW = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
"""The runner's fixed clock by default: a Monday morning; the measured week is the Mon–Sun before it."""


class Kind(StrEnum):
    """Ground-truth kind of an account: what it really does."""

    # legitimate
    STAFF = "staff"  # ordinary office staff: logins, clock-in, chat, a few contacts
    SALES = "sales"  # heavy but honest sales: many phone-search adds on prospecting days, under the limits
    CUSTOMER_SERVICE = "customer_service"  # many inbound adds; customers remove them later (normal churn)
    NEW_HIRE = "new_hire"  # young account, profile and verification arrive in the first days
    SHOP_STAFF = "shop_staff"  # small shops: customers add them at the counter, order and promo messages
    # abusers
    FAST_ADDER = "fast_adder"  # phone-search add spammer, bursts far over the hourly limit
    SLOW_ADDER = "slow_adder"  # "slow and steady": under the hourly limit all day, far over the daily one
    GREETING_SPAMMER = "greeting_spammer"  # 红包/返利/刷单/返现 baits in greetings, often disguised
    HARASSER = "harasser"  # harasses several people, who report them within hours
    PLUGIN_USER = "plugin_user"  # logs in with plug-in / automation software (外挂)
    FRAUDSTER = "fraudster"  # 刷单返利 scams from an unverified shell enterprise, reported for fraud


LEGIT_KINDS: tuple[Kind, ...] = (Kind.STAFF, Kind.SALES, Kind.CUSTOMER_SERVICE, Kind.NEW_HIRE, Kind.SHOP_STAFF)
ABUSER_KINDS: tuple[Kind, ...] = (
    Kind.FAST_ADDER,
    Kind.SLOW_ADDER,
    Kind.GREETING_SPAMMER,
    Kind.HARASSER,
    Kind.PLUGIN_USER,
    Kind.FRAUDSTER,
)

# --- the numbers of the directory, each with why it is plausible -------------------------------------------
COMPANY_MIN_STAFF = 40  # the brief's range: healthy companies of tens to hundreds of staff
COMPANY_MAX_STAFF = 200  # drawn log-uniformly (many smaller firms, fewer large ones): mean ≈ 100
SHOP_MIN_STAFF = 2  # owner + one employee
SHOP_MAX_STAFF = 8  # a busy shop or a small chain
COMPANY_VERIFIED_SHARE = 0.9  # established companies have usually done the real-name (营业执照) verification
SHOP_VERIFIED_SHARE = 0.55  # many small shops never bother (the unverified limits are tolerable for them)
COMPANY_AGE_DAYS = (200, 3000)  # companies on the platform for months to ~8 years
SHOP_AGE_DAYS = (60, 1500)
SHELL_AGE_DAYS = (30, 90)  # scam shells are registered a month or two before use (and burnt quickly)
COMPANY_ATTENDANCE_SHARE = 0.7  # share of companies using clock-in / attendance (打卡) in the app
SHOP_ATTENDANCE_SHARE = 0.3
STAFF_AGE_DAYS = (70, 2500)  # established staff; anyone younger is a new hire
NEW_HIRE_AGE_DAYS = (2, 45)  # joined during the warm-up month or the measured week
ACCOUNT_VERIFIED_SHARE = 0.93  # most staff verify with their ID card when they join
NEW_HIRE_VERIFIED_SHARE = 0.4  # new hires often verify a few days after joining (then a verification event)
PROFILE_COMPLETE_SHARE = 0.85  # avatar + nickname + external business card set; the rest fix it in warm-up
# Kind mix inside a company (the rest are ordinary staff). Sales-heavy firms exist; this is an average firm.
COMPANY_KIND_SHARES: dict[Kind, float] = {
    Kind.SALES: 0.08,  # sales who prospect by phone search (the rest of sales work looks like staff)
    Kind.CUSTOMER_SERVICE: 0.03,  # a support team of a few agents per 100 staff
    Kind.NEW_HIRE: 0.05,  # ~15 %/year turnover → ~5 % joined in the last 45 days
}
SALES_PHONE_GREETING_SHARE = 0.03  # reps whose greeting template reads out their own phone number
SHELL_MIN_FRAUDSTERS = 2  # a scam shell runs a few accounts
SHELL_MAX_FRAUDSTERS = 4
YOUNG_ABUSER_SHARE: dict[Kind, float] = {  # abusers on freshly registered accounts; the rest are aged (养号)
    Kind.FAST_ADDER: 0.6,
    Kind.SLOW_ADDER: 0.5,
    Kind.GREETING_SPAMMER: 0.5,
    Kind.HARASSER: 0.0,  # a colleague who turns bad
    Kind.PLUGIN_USER: 0.0,  # a sales rep who installs an auto-add tool
    Kind.FRAUDSTER: 1.0,
}
ABUSER_VERIFIED_SHARE = 0.5  # bought accounts are often registered without a real ID
DEFAULT_WARMUP_DAYS = 30  # the brief: a warm-up month of ordinary activity
DEFAULT_MEASURED_DAYS = 7  # one measured week
DEFAULT_ABUSER_SHARE = 0.01  # the brief: about 1 % abusers


@dataclass(frozen=True, slots=True)
class SimEnterprise:
    """An enterprise of the directory. `size_class`: company | shop | shell (a scam shell)."""

    id: str
    name: str
    verified: bool
    created_at: datetime
    size_class: str
    uses_attendance: bool

    def to_enterprise(self) -> Enterprise:
        return Enterprise(self.id, self.name, self.verified, self.created_at)


@dataclass(frozen=True, slots=True)
class SimAccount:
    """An account of the directory with its ground truth.

    `verified`/`avatar`/`nickname`/`external_card` are the values at registration; later changes arrive as
    events. `abuse_starts_at` is the first abusive event's time (None for legitimate accounts); an abuser's
    recall window ("its first 50 events") counts from it. `traits` name notable habits (e.g.
    `greeting_with_phone`, `promo_messages`), so a false positive can be traced to the habit behind it.
    """

    id: str
    enterprise_id: str
    phone: str
    verified: bool
    created_at: datetime
    avatar: str | None
    nickname: str | None
    external_card: str | None
    kind: Kind
    abuse_starts_at: datetime | None = None
    traits: tuple[str, ...] = ()

    @property
    def abuser(self) -> bool:
        return self.kind in ABUSER_KINDS

    def to_account(self) -> Account:
        return Account(
            self.id,
            self.enterprise_id,
            self.phone,
            self.verified,
            self.created_at,
            self.avatar,
            self.nickname,
            self.external_card,
        )


@dataclass
class Population:
    """A generated population: directory, labels and events.

    `events`: dicts as `Warden.ingest` takes them, sorted by `(occurred_at, id)`; `occurred_at` is an ISO
    string with a `+08:00` offset. Times: `warmup_start` ≤ `measured_start` < `measured_end` ≤ `now`.
    """

    seed: int
    now: datetime
    warmup_start: datetime
    measured_start: datetime
    measured_end: datetime
    enterprises: list[SimEnterprise]
    accounts: list[SimAccount]
    events: list[dict[str, Any]] = field(default_factory=list)

    def account(self, account_id: str) -> SimAccount:
        return self._by_id()[account_id]

    def _by_id(self) -> dict[str, SimAccount]:
        cache: dict[str, SimAccount] | None = getattr(self, "_index", None)
        if cache is None:
            cache = {a.id: a for a in self.accounts}
            self._index = cache
        return cache

    def members(self) -> dict[str, list[str]]:
        """Enterprise id → its account ids, in directory order."""
        out: dict[str, list[str]] = {e.id: [] for e in self.enterprises}
        for a in self.accounts:
            out[a.enterprise_id].append(a.id)
        return out

    def summary(self) -> dict[str, Any]:
        """Counts for a header line: enterprises by class, accounts by kind, events by type and period."""
        measured = self.measured_start.isoformat()
        return {
            "seed": self.seed,
            "now": self.now.isoformat(),
            "enterprises": dict(Counter(e.size_class for e in self.enterprises)),
            "accounts": len(self.accounts),
            "abusers": sum(a.abuser for a in self.accounts),
            "kinds": {k.value: n for k, n in sorted(Counter(a.kind for a in self.accounts).items())},
            "events": len(self.events),
            "events_by_type": dict(sorted(Counter(e["type"] for e in self.events).items())),
            "warmup_events": sum(1 for e in self.events if _before(e["occurred_at"], measured)),
        }


def _before(iso: str, other_iso: str) -> bool:
    return datetime.fromisoformat(iso) < datetime.fromisoformat(other_iso)


# --- the directory --------------------------------------------------------------------------------------------


def _days_ago(now: datetime, rng: random.Random, lo_hi: tuple[float, float]) -> datetime:
    """A registration time `lo`–`hi` days before `now`, at a working moment, to the second."""
    d = now - timedelta(days=rng.uniform(*lo_hi))
    local = d.astimezone(SHANGHAI)
    return datetime.combine(local.date(), time(10, 0), SHANGHAI) + timedelta(seconds=rng.randrange(8 * 3600))


def _company_size(rng: random.Random) -> int:
    """Log-uniform between the bounds: many firms of ~50, a few of ~200."""
    return int(COMPANY_MIN_STAFF * (COMPANY_MAX_STAFF / COMPANY_MIN_STAFF) ** rng.random())


def _abuser_kinds(rng: random.Random, n: int) -> list[Kind]:
    """`n` abuser kinds, every kind at least once when n allows, the rest spread round-robin."""
    kinds = [ABUSER_KINDS[i % len(ABUSER_KINDS)] for i in range(n)]
    rng.shuffle(kinds)
    return kinds


def generate(
    seed: int,
    companies: int = 6,
    shops: int | None = None,
    *,
    now: datetime = DEFAULT_NOW,
    warmup_days: int = DEFAULT_WARMUP_DAYS,
    measured_days: int = DEFAULT_MEASURED_DAYS,
    abuser_share: float = DEFAULT_ABUSER_SHARE,
) -> Population:
    """Generate the population for `seed`. `shops` defaults to `companies`. See the module docstring."""
    from warden.simulation.behaviour import events_for  # behaviour imports this module's types

    if companies < 1:
        raise ValueError("companies must be at least 1")
    shops = companies if shops is None else shops
    rng = random.Random(f"warden-sim:{seed}")
    local_now = now.astimezone(SHANGHAI)
    measured_end = datetime.combine(local_now.date(), time(0), SHANGHAI)
    measured_start = measured_end - timedelta(days=measured_days)
    warmup_start = measured_start - timedelta(days=warmup_days)

    # 1. companies and shops, with the legitimate kinds of their members
    plan: list[tuple[SimEnterprise, list[Kind]]] = []
    for i in range(1, companies + 1):
        city, trade = rng.choice(texts.COMPANY_CITIES), rng.choice(texts.COMPANY_TRADES)
        ent = SimEnterprise(
            id=f"ent-c{i:02d}",
            name=f"{city}{trade}有限公司",
            verified=rng.random() < COMPANY_VERIFIED_SHARE,
            created_at=_days_ago(now, rng, COMPANY_AGE_DAYS),
            size_class="company",
            uses_attendance=rng.random() < COMPANY_ATTENDANCE_SHARE,
        )
        size = _company_size(rng)
        kinds = [k for k, share in COMPANY_KIND_SHARES.items() for _ in range(round(size * share))]
        kinds += [Kind.STAFF] * max(0, size - len(kinds))
        plan.append((ent, kinds))
    for i in range(1, shops + 1):
        ent = SimEnterprise(
            id=f"ent-s{i:02d}",
            name=f"{rng.choice(texts.SURNAMES)}记{rng.choice(texts.SHOP_TRADES)}",
            verified=rng.random() < SHOP_VERIFIED_SHARE,
            created_at=_days_ago(now, rng, SHOP_AGE_DAYS),
            size_class="shop",
            uses_attendance=rng.random() < SHOP_ATTENDANCE_SHARE,
        )
        plan.append((ent, [Kind.SHOP_STAFF] * rng.randint(SHOP_MIN_STAFF, SHOP_MAX_STAFF)))

    # 2. abusers: ~abuser_share of all accounts; fraudsters get shells, the others join random companies
    legit = sum(len(k) for _, k in plan)
    n_abusers = max(len(ABUSER_KINDS), round(abuser_share * legit / (1 - abuser_share)))
    abuser_kinds = _abuser_kinds(rng, n_abusers)
    company_plans = plan[:companies]
    for kind in abuser_kinds:
        if kind is not Kind.FRAUDSTER:
            rng.choice(company_plans)[1].append(kind)
    fraudsters = abuser_kinds.count(Kind.FRAUDSTER)
    shell_no = 0
    while fraudsters > 0:
        shell_no += 1
        n = min(fraudsters, rng.randint(SHELL_MIN_FRAUDSTERS, SHELL_MAX_FRAUDSTERS))
        fraudsters -= n
        ent = SimEnterprise(
            id=f"ent-x{shell_no:02d}",
            name=f"{rng.choice(texts.COMPANY_CITIES)}{rng.choice(texts.COMPANY_TRADES)}商贸有限公司",
            verified=False,  # the brief: fraudsters at unverified enterprises
            created_at=_days_ago(now, rng, SHELL_AGE_DAYS),
            size_class="shell",
            uses_attendance=False,
        )
        plan.append((ent, [Kind.FRAUDSTER] * n))

    # 3. accounts: shuffle each enterprise's members so an id says nothing about its kind
    enterprises: list[SimEnterprise] = []
    accounts: list[SimAccount] = []
    for ent, kinds in plan:
        enterprises.append(ent)
        rng.shuffle(kinds)
        prefix = ent.id.removeprefix("ent-")
        width = 4 if ent.size_class == "company" else 2
        for j, kind in enumerate(kinds, 1):
            aid = f"{prefix}-u{j:0{width}d}"
            accounts.append(
                _account(rng, aid, ent, kind, len(accounts), now, measured_start, measured_end, warmup_start)
            )

    # 4. events, each account from its own random stream (so one account's draws never shift another's)
    pop = Population(seed, now, warmup_start, measured_start, measured_end, enterprises, accounts)
    members = pop.members()
    ents = {e.id: e for e in enterprises}
    events: list[dict[str, Any]] = []
    for a in accounts:
        arng = random.Random(f"warden-sim:{seed}:{a.id}")
        colleagues = [m for m in members[a.enterprise_id] if m != a.id]
        events.extend(events_for(arng, a, ents[a.enterprise_id], colleagues, pop))
    events.sort(key=lambda e: (datetime.fromisoformat(e["occurred_at"]), e["id"]))
    pop.events = events
    return pop


def _account(
    rng: random.Random,
    aid: str,
    ent: SimEnterprise,
    kind: Kind,
    index: int,
    now: datetime,
    measured_start: datetime,
    measured_end: datetime,
    warmup_start: datetime,
) -> SimAccount:
    """One account with its registration values and, for an abuser, when the abuse starts."""
    traits: list[str] = []
    abuse_at: datetime | None = None
    if kind is Kind.NEW_HIRE:
        created = _days_ago(now, rng, NEW_HIRE_AGE_DAYS)
        verified = rng.random() < NEW_HIRE_VERIFIED_SHARE
        complete = False  # profile filled in during the first days (profile_change events)
    elif kind in ABUSER_KINDS:
        # the abuse starts on a day of the measured week that leaves at least two days to watch it
        span = max(1.0, (measured_end - measured_start).total_seconds() / 86400 - 2)
        day = (measured_start + timedelta(days=rng.uniform(0, span))).date()
        abuse_at = datetime.combine(day, time(9, 30), SHANGHAI) + timedelta(seconds=rng.randrange(8 * 3600))
        if rng.random() < YOUNG_ABUSER_SHARE[kind]:
            created = abuse_at - timedelta(days=rng.uniform(1, 20), seconds=rng.randrange(3600))
            traits.append("young")
            verified = kind is not Kind.FRAUDSTER and rng.random() < ABUSER_VERIFIED_SHARE
            complete = rng.random() < 0.3  # throwaway accounts rarely bother with a business card
        else:
            created = _days_ago(now, rng, STAFF_AGE_DAYS)
            verified = rng.random() < ACCOUNT_VERIFIED_SHARE
            complete = rng.random() < PROFILE_COMPLETE_SHARE
    else:
        low = STAFF_AGE_DAYS[0]
        high = max(low + 1, min(STAFF_AGE_DAYS[1], (now - ent.created_at).total_seconds() / 86400))
        created = _days_ago(now, rng, (low, high))
        verified = rng.random() < ACCOUNT_VERIFIED_SHARE
        complete = rng.random() < PROFILE_COMPLETE_SHARE
        if kind is Kind.SALES:
            complete = True  # sales live on their external business card
            if rng.random() < SALES_PHONE_GREETING_SHARE:
                traits.append("greeting_with_phone")
    created = max(created, ent.created_at)
    name = texts.person_name(rng)
    return SimAccount(
        id=aid,
        enterprise_id=ent.id,
        phone=f"138{index:08d}",
        verified=verified,
        created_at=created,
        avatar=f"avatar/{aid}.png" if complete else None,
        nickname=name,  # everyone has a display name; avatar and card are what people skip
        external_card=f"card/{aid}" if complete else None,
        kind=kind,
        abuse_starts_at=abuse_at,
        traits=tuple(traits),
    )
