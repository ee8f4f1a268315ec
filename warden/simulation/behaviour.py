"""What each kind of account does, day by day: the events of one account from its own random stream.

`events_for(rng, account, enterprise, colleagues, population)` returns that account's events (dicts as
`Warden.ingest` takes them), dated in `[max(created_at, warmup_start), measured_end)`. Every rate below is
per account and per (active) day unless it says otherwise, and each is named with why it is plausible. The
platform is assumed to forward every login, contact request, contact change, report and verification or
profile change, one feature-use event per feature and day, and a *sample* of chat messages (all of an
account's messages would multiply the volume without changing any rule's input much).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from warden.simulation import texts
from warden.simulation.population import SHANGHAI, Kind, Population, SimAccount, SimEnterprise

# --- everyone --------------------------------------------------------------------------------------------------
P_ACTIVE_WEEKDAY = 0.92  # leave, sick days and trips take ~8 % of working days
P_ACTIVE_WEEKEND = 0.06  # occasional weekend overtime in an office
P_CLOCK_IN = 0.9  # on an active day at a firm with attendance; some forget or are on site
P_OTHER_FEATURE = 0.45  # one more feature (files, approvals, calendar …) on an active day
P_LEAVE_REQUEST = 0.5  # an absence on a weekday is filed as a leave request the day before
P_OVERTIME = 0.07  # share of office activity after 19:00
LINKED_LOGIN_SHARE = 0.7  # staff who log in through their linked personal WeChat on their own phone
CLIENT_VERSIONS = (("4.1.30", 0.55), ("4.1.28", 0.3), ("4.1.26", 0.12), ("4.0.8", 0.03))  # auto-update lag
HABIT_FEATURES = ("chat_message", "file_download", "approval", "calendar", "document", "meeting", "attendance")
HABIT_FEATURE_COUNT = (2, 6)  # a person uses a handful of the app's features regularly
STAFF_MESSAGES_PER_DAY = 0.5  # the sampled internal chat messages per active day
P_RED_PACKET_TALK = 0.004  # an internal message about a red packet (年会, birthdays, a boss's 抢红包)
P_NICKNAME_CHANGE = 0.1  # changes the display name once in the run (a new role, a typo)

# --- ordinary staff: a few contacts ------------------------------------------------------------------------------
STAFF_REQUESTS_PER_DAY = 0.12  # outbound contact requests: a supplier, a partner, a new colleague elsewhere
STAFF_REQUEST_METHODS = (("qr_code", 0.5), ("business_card", 0.3), ("phone_search", 0.2))
STAFF_INBOUND_PER_DAY = 0.1  # someone adds them
STAFF_ACCEPT = 0.8  # people they ask mostly know them
STAFF_CHURN = 0.02  # share of their contacts who later remove them
CHURN_DAYS = (1, 30)  # a removal comes days to weeks after the contact was made

# --- heavy but honest sales ----------------------------------------------------------------------------------
SALES_PROSPECTING_DAY = 0.35  # share of active weekdays spent cold-adding leads from a list
SALES_DAILY_ADDS = (12, 28)  # adds on a prospecting day: many, under the 30/day soft limit at base
SALES_UNVERIFIED_FACTOR = 0.5  # an unverified rep, or a rep at an unverified firm, sees a halved quota and plans
# with it (the app shows the limits); both apply when both hold, as the documented limits do (S-A3/S-A4)
SALES_SLOTS = (9.0, 10.0, 11.0, 13.5, 14.5, 15.5, 16.5, 17.5)  # working hours (local) they add in
SALES_MAX_PER_SLOT = 8  # at most 8 in one working hour: under the 10/hour soft limit
SALES_FOLLOWUP_ADDS = (0, 3)  # adds on other days (referrals, trade-fair contacts)
SALES_ACCEPT = 0.35  # cold leads accept about a third of requests
SALES_REPLY = 0.4  # a first message after a lead accepts
SALES_CHURN = 0.05  # leads who later delete the rep (not interested)
SALES_REPORT_PER_REJECTED = 0.002  # a stranger who declined reports the request as spam (rare, single)
SALES_MESSAGES_PER_DAY = 0.5

# --- customer service ----------------------------------------------------------------------------------------
CS_DAILY_INBOUND = (6, 18)  # customers add the agent from the service QR code, per agent and day
CS_WEEKEND_ACTIVE = 0.3  # shifts cover weekends
CS_REPLY = 0.3  # sampled replies per new customer
CS_CHURN = 0.08  # customers delete the agent once their issue is solved
CS_CHURN_DAYS = (0, 14)
CS_REPORT_PER_CONTACT = 0.002  # an angry customer reports the agent (single reporter)
CS_OUTBOUND_SHARE = 0.3  # customers the agent adds by phone search after a hotline call, not by QR code
CS_OUTBOUND_ACCEPT = 0.9  # they just spoke on the phone: nearly all accept

# --- new hires -------------------------------------------------------------------------------------------------
NEW_HIRE_COLLEAGUE_ADDS = (5, 15)  # internal contacts added in the first days (team, HR, IT)
NEW_HIRE_VERIFY = 0.85  # unverified at registration, verified 1–5 days later
NEW_HIRE_PROFILE = 0.9  # avatar and business card set in the first two days
NEW_HIRE_REQUESTS_PER_DAY = 0.3  # outbound external requests once settled

# --- small shops -----------------------------------------------------------------------------------------------
SHOP_DAILY_INBOUND = (2, 8)  # customers scan the shop's QR code at the counter
SHOP_CALLBACKS = (0, 3)  # phone-search adds of customers who left a number for a delivery or a restock
SHOP_EXTERNAL_MESSAGES = (1, 3)  # order and delivery notes to customers
SHOP_PROMO_SHARE = 0.03  # of those, an ordinary promotion (满199返现20元)
SHOP_CHURN = 0.05
SHOP_MESSAGES_PER_DAY = 0.5  # internal chat among a few staff

# --- abusers ----------------------------------------------------------------------------------------------------
FAST_SESSIONS_PER_DAY = (1, 2)
FAST_SESSION_HOURS = (0.5, 2.0)
FAST_ADDS_PER_HOUR = (40, 120)  # a script or a paid "add service": far over 20/hour
FAST_ACCEPT = 0.1
FAST_REPORT_PER_REQUEST = 0.01
FAST_REMOVE = 0.3  # of those who accepted, many delete again
SLOW_HOURS_PER_DAY = (8, 11)  # "slow and steady": all day, every day
SLOW_ADDS_PER_HOUR = (12, 18)  # under the 20/hour hard limit, 100–200 a day
SLOW_ACCEPT = 0.15
SLOW_REPORT_PER_REQUEST = 0.005
GREETING_HOURS_PER_DAY = (4, 7)
GREETING_ADDS_PER_HOUR = (3, 6)  # paced under the velocity limits on purpose
GREETING_BAIT_SHARE = 0.85  # most greetings carry the bait
GREETING_METHODS = (("phone_search", 0.5), ("group", 0.3), ("qr_code", 0.2))
GREETING_ACCEPT = 0.2
GREETING_REPORT_PER_REQUEST = 0.02
HARASS_TARGETS = (4, 7)  # distinct people harassed
HARASS_MESSAGES = (15, 40)  # over the first one or two days
HARASS_REPORTERS = (3, 6)  # of the targets, how many report (never more than the targets)
HARASS_REPORT_DELAY_HOURS = (0.5, 8)  # after their first harassing message
PLUGIN_SIGNATURES = ("wetool", "qw-auto-helper", "jzl-robot", "wxbot-pro")
PLUGIN_BURSTS_PER_DAY = (1, 2)  # automated mass messaging bursts
PLUGIN_BURST_MESSAGES = (20, 40)
PLUGIN_DAILY_ADDS = (10, 15)
FRAUD_HOURS_PER_DAY = (3, 6)
FRAUD_ADDS_PER_HOUR = (4, 8)
FRAUD_BAIT_SHARE = 0.7
FRAUD_ACCEPT = 0.2
FRAUD_MESSAGE = 0.8  # the scam pitch to those who accept
FRAUD_VICTIM_REPORT = 0.25  # victims who report the scam, 1–48 h later
P_EMULATOR = 0.5  # fraud and add farms often run on emulators


# --- time ---------------------------------------------------------------------------------------------------


def at_local(day: date, hours: float) -> datetime:
    """`day` at `hours` past local midnight (Asia/Shanghai), to the second."""
    return datetime.combine(day, time(0), SHANGHAI) + timedelta(seconds=int(hours * 3600))


def office_moment(rng: random.Random, day: date) -> datetime:
    """A moment of office work: 09:00–12:00 or 13:30–18:30, sometimes overtime 19:00–22:30."""
    r = rng.random()
    if r < P_OVERTIME:
        return at_local(day, rng.uniform(19, 22.5))
    if r < P_OVERTIME + (1 - P_OVERTIME) * 3 / 8:  # the morning is 3 of the 8 office hours
        return at_local(day, rng.uniform(9, 12))
    return at_local(day, rng.uniform(13.5, 18.5))


def shop_moment(rng: random.Random, day: date) -> datetime:
    return at_local(day, rng.uniform(10, 21))


def days(start: datetime, end: datetime) -> Iterator[date]:
    d = start.astimezone(SHANGHAI).date()
    while at_local(d, 0) < end:
        yield d
        d += timedelta(days=1)


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth); the rates here are small."""
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


def new_id(rng: random.Random, prefix: str = "wx") -> str:
    """An id of someone outside the directory (an external WeChat user)."""
    return f"{prefix}_{rng.getrandbits(48):012x}"


def phone_target(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


# --- one account's timeline ------------------------------------------------------------------------------------


class Timeline:
    """Collects one account's events. Events outside `[start, end)` are dropped (before the account or the
    warm-up existed, or after the measured period), so behaviours can schedule freely."""

    def __init__(self, account_id: str, start: datetime, end: datetime) -> None:
        self.account_id = account_id
        self.start = start
        self.end = end
        self.events: list[dict[str, Any]] = []

    def add(self, type_: str, at: datetime, **fields: Any) -> str | None:
        if not (self.start <= at < self.end):
            return None
        eid = f"{self.account_id}.{len(self.events) + 1:05d}"
        self.events.append(
            {
                "id": eid,
                "type": type_,
                "occurred_at": at.astimezone(SHANGHAI).isoformat(timespec="seconds"),
                "account_id": self.account_id,
                **fields,
            }
        )
        return eid


@dataclass
class Actor:
    """One account acting: its random stream, timeline and habits."""

    rng: random.Random
    tl: Timeline
    account: SimAccount
    enterprise: SimEnterprise
    colleagues: list[str]
    device: str
    linked: bool
    version: str
    features: tuple[str, ...]
    values: dict[str, str]  # {company}, {name}, {phone} for text templates

    # -- building blocks --

    def login(self, at: datetime, **extra: Any) -> None:
        self.tl.add(
            "login",
            at,
            device_id=self.device,
            device_kind=extra.pop("device_kind", "real"),
            via_linked_personal=self.linked,
            client_version=self.version,
            **extra,
        )

    def internal_message(self, at: datetime) -> None:
        rng = self.rng
        pool = texts.INTERNAL_RED_PACKET_MESSAGES if rng.random() < P_RED_PACKET_TALK else texts.INTERNAL_MESSAGES
        fields: dict[str, Any] = {"text": rng.choice(pool), "to_external": False}
        if self.colleagues:
            fields["recipient_id"] = rng.choice(self.colleagues)
        self.tl.add("message", at, **fields)

    def request(
        self,
        at: datetime,
        method: str,
        greeting: str,
        accept: float,
        churn: float,
        reply: float = 0.0,
        report: float = 0.0,
        reason: str = "spam",
        pitch: tuple[str, ...] = texts.EXTERNAL_MESSAGES,
        churn_days: tuple[float, float] = CHURN_DAYS,
    ) -> None:
        """A contact request; maybe accepted (then maybe a message, maybe removed later); maybe reported."""
        rng = self.rng
        target = phone_target(rng) if method == "phone_search" else new_id(rng, method)
        self.tl.add("contact_request", at, method=method, target=target, greeting=greeting)
        if rng.random() < accept:
            cid = new_id(rng)
            added = at + timedelta(minutes=rng.lognormvariate(3.5, 1.2))  # median ~30 min, long tail
            self.tl.add("contact_added", added, contact_id=cid, initiated_by="self", external=True)
            if rng.random() < reply:
                msg_at = added + timedelta(minutes=rng.uniform(1, 30))
                self.tl.add("message", msg_at, text=rng.choice(pitch), to_external=True, recipient_id=cid)
            if rng.random() < churn:
                self.tl.add("contact_removed", added + timedelta(days=rng.uniform(*churn_days)), contact_id=cid)
        elif rng.random() < report:
            rep_at = at + timedelta(minutes=rng.uniform(1, 240))
            self.tl.add("report", rep_at, reporter_id=new_id(rng), reason=reason)

    def inbound(
        self,
        at: datetime,
        churn: float,
        reply: float,
        report: float = 0.0,
        churn_days: tuple[float, float] = CHURN_DAYS,
    ) -> None:
        """Someone adds the account (a customer scanning a QR code); maybe a reply; maybe removal or report."""
        rng = self.rng
        cid = new_id(rng)
        self.tl.add("contact_added", at, contact_id=cid, initiated_by="contact", external=True)
        if rng.random() < reply:
            msg = rng.choice(texts.EXTERNAL_MESSAGES)
            self.tl.add(
                "message", at + timedelta(minutes=rng.uniform(1, 20)), text=msg, to_external=True, recipient_id=cid
            )
        if rng.random() < churn:
            self.tl.add("contact_removed", at + timedelta(days=rng.uniform(*churn_days)), contact_id=cid)
        if rng.random() < report:
            reason = rng.choice(("other", "spam", "harassment"))
            self.tl.add("report", at + timedelta(hours=rng.uniform(1, 72)), reporter_id=cid, reason=reason)

    def ordinary_day(self, day: date, messages: float, shop: bool = False) -> None:
        """Login, clock-in, a feature or two and some internal chat: what every working day has."""
        rng = self.rng
        start = at_local(day, rng.uniform(9.5, 10.5) if shop else rng.uniform(8.5, 9.6))
        self.login(start)
        if self.enterprise.uses_attendance and rng.random() < P_CLOCK_IN:
            self.tl.add("feature_use", start + timedelta(minutes=rng.uniform(1, 8)), feature="clock_in")
        moment = shop_moment if shop else office_moment
        if rng.random() < P_OTHER_FEATURE:
            self.tl.add("feature_use", moment(rng, day), feature=rng.choice(self.features))
        for _ in range(poisson(rng, messages)):
            self.internal_message(moment(rng, day))

    def active(self, day: date, weekend: float = P_ACTIVE_WEEKEND) -> bool:
        p = P_ACTIVE_WEEKDAY if day.weekday() < 5 else weekend
        return self.rng.random() < p

    def absent(self, day: date) -> None:
        """A weekday off: often filed the day before as a leave request."""
        if day.weekday() < 5 and self.rng.random() < P_LEAVE_REQUEST:
            self.tl.add("feature_use", office_moment(self.rng, day - timedelta(days=1)), feature="leave_request")

    def profile_touch(self, run_days: list[date]) -> None:
        """Fill in what registration left empty during the first days; rarely a nickname change."""
        rng = self.rng
        a = self.account
        first = run_days[0]
        if a.avatar is None and rng.random() < NEW_HIRE_PROFILE:
            day = first + timedelta(days=rng.randint(0, min(9, len(run_days) - 1)))
            self.tl.add("profile_change", office_moment(rng, day), field="avatar", value=f"avatar/{a.id}.png")
        if a.external_card is None and rng.random() < NEW_HIRE_PROFILE:
            day = first + timedelta(days=rng.randint(0, min(9, len(run_days) - 1)))
            self.tl.add("profile_change", office_moment(rng, day), field="external_card", value=f"card/{a.id}")
        if rng.random() < P_NICKNAME_CHANGE:
            day = rng.choice(run_days)
            self.tl.add("profile_change", office_moment(rng, day), field="nickname", value=texts.person_name(rng))


# --- behaviours per kind -----------------------------------------------------------------------------------------


def staff_day(actor: Actor, day: date) -> None:
    rng = actor.rng
    if not actor.active(day):
        actor.absent(day)
        return
    actor.ordinary_day(day, STAFF_MESSAGES_PER_DAY)
    for _ in range(poisson(rng, STAFF_REQUESTS_PER_DAY)):
        greeting = texts.fill(rng.choice(texts.STAFF_GREETINGS), **actor.values)
        method = weighted(rng, STAFF_REQUEST_METHODS)
        actor.request(office_moment(rng, day), method, greeting, STAFF_ACCEPT, STAFF_CHURN)
    for _ in range(poisson(rng, STAFF_INBOUND_PER_DAY)):
        actor.inbound(office_moment(rng, day), STAFF_CHURN, 0.3)


def sales_day(actor: Actor, day: date, daily: int, templates: list[str]) -> None:
    rng = actor.rng
    if not actor.active(day):
        actor.absent(day)
        return
    actor.ordinary_day(day, SALES_MESSAGES_PER_DAY)
    prospecting = day.weekday() < 5 and rng.random() < SALES_PROSPECTING_DAY
    n = daily if prospecting else rng.randint(*SALES_FOLLOWUP_ADDS)
    if not actor.enterprise.verified:
        n = int(n * SALES_UNVERIFIED_FACTOR)
    if not actor.account.verified:
        n = int(n * SALES_UNVERIFIED_FACTOR)
    per_slot = dict.fromkeys(SALES_SLOTS, 0)
    for _ in range(n):  # spread over the working hours, never more than SALES_MAX_PER_SLOT in one
        slot = rng.choice([s for s, k in per_slot.items() if k < SALES_MAX_PER_SLOT])
        per_slot[slot] += 1
    for slot, k in per_slot.items():
        for _ in range(k):
            at = at_local(day, slot + rng.uniform(0, 0.98))
            greeting = texts.fill(rng.choice(templates), **actor.values)
            actor.request(
                at,
                "phone_search",
                greeting,
                SALES_ACCEPT,
                SALES_CHURN,
                reply=SALES_REPLY,
                report=SALES_REPORT_PER_REJECTED / (1 - SALES_ACCEPT),
            )


def customer_service_day(actor: Actor, day: date, daily: int) -> None:
    rng = actor.rng
    if not actor.active(day, CS_WEEKEND_ACTIVE):
        actor.absent(day)
        return
    actor.ordinary_day(day, STAFF_MESSAGES_PER_DAY)
    for _ in range(max(0, round(rng.gauss(daily, daily * 0.2)))):
        at = office_moment(rng, day)
        if rng.random() < CS_OUTBOUND_SHARE:
            greeting = texts.fill(rng.choice(texts.CS_GREETINGS), **actor.values)
            actor.request(
                at,
                "phone_search",
                greeting,
                CS_OUTBOUND_ACCEPT,
                CS_CHURN,
                reply=CS_REPLY,
                report=CS_REPORT_PER_CONTACT,
                churn_days=CS_CHURN_DAYS,
            )
        else:
            actor.inbound(at, CS_CHURN, CS_REPLY, CS_REPORT_PER_CONTACT, CS_CHURN_DAYS)


def new_hire_days(actor: Actor, run_days: list[date]) -> None:
    rng = actor.rng
    a = actor.account
    if not a.verified and rng.random() < NEW_HIRE_VERIFY:
        at = a.created_at + timedelta(days=rng.uniform(1, 5))
        actor.tl.add("verification_change", at, verified=True)
    colleagues_to_add = rng.randint(*NEW_HIRE_COLLEAGUE_ADDS)
    first_days = run_days[:3]
    for i in range(colleagues_to_add if actor.colleagues else 0):
        at = office_moment(rng, first_days[i % len(first_days)])
        contact = rng.choice(actor.colleagues)
        actor.tl.add("contact_added", at, contact_id=contact, initiated_by="self", external=False)
    for day in run_days:
        if not actor.active(day):
            actor.absent(day)
            continue
        actor.ordinary_day(day, STAFF_MESSAGES_PER_DAY)
        if day > run_days[0] + timedelta(days=3):
            for _ in range(poisson(rng, NEW_HIRE_REQUESTS_PER_DAY)):
                greeting = texts.fill(rng.choice(texts.STAFF_GREETINGS), **actor.values)
                method = weighted(rng, STAFF_REQUEST_METHODS)
                actor.request(office_moment(rng, day), method, greeting, STAFF_ACCEPT, STAFF_CHURN)


def shop_day(actor: Actor, day: date, day_off: int, inbound: int) -> None:
    rng = actor.rng
    if day.weekday() == day_off or rng.random() > P_ACTIVE_WEEKDAY:
        return
    actor.ordinary_day(day, SHOP_MESSAGES_PER_DAY, shop=True)
    for _ in range(max(0, round(rng.gauss(inbound, inbound * 0.3)))):
        actor.inbound(shop_moment(rng, day), SHOP_CHURN, 0.3)
    for _ in range(rng.randint(*SHOP_CALLBACKS)):
        greeting = texts.fill(rng.choice(texts.SHOP_GREETINGS), **actor.values)
        actor.request(shop_moment(rng, day), "phone_search", greeting, 0.7, SHOP_CHURN, reply=0.5)
    for _ in range(rng.randint(*SHOP_EXTERNAL_MESSAGES)):
        promo = rng.random() < SHOP_PROMO_SHARE
        text = rng.choice(texts.SHOP_PROMO_MESSAGES if promo else texts.EXTERNAL_MESSAGES)
        actor.tl.add("message", shop_moment(rng, day), text=text, to_external=True, recipient_id=new_id(rng))


def paced_requests(
    actor: Actor,
    start: datetime,
    hours: float,
    per_hour: float,
    greeting: Any,
    method: Any,
    accept: float,
    report: float,
    churn: float = 0.0,
    reason: str = "spam",
    pitch: tuple[str, ...] = texts.EXTERNAL_MESSAGES,
    reply: float = 0.0,
) -> None:
    """Requests at a steady pace (a script's interval ±20 %) from `start` for `hours`."""
    rng = actor.rng
    at, end = start, start + timedelta(hours=hours)
    gap = 3600 / per_hour
    while at < end:
        actor.request(at, method(), greeting(), accept, churn, reply=reply, report=report, reason=reason, pitch=pitch)
        at += timedelta(seconds=gap * rng.uniform(0.8, 1.2))


def abuser_days(actor: Actor, run_days: list[date]) -> None:
    """Ordinary life before the abuse (aged accounts) or a quiet setup (young ones), then the abuse."""
    rng = actor.rng
    a = actor.account
    start = a.abuse_starts_at
    assert start is not None
    young = "young" in a.traits
    for day in run_days:
        if at_local(day, 24) <= start:  # days before the abuse
            if young:
                if rng.random() < 0.5:
                    actor.login(office_moment(rng, day))
            elif a.kind is Kind.PLUGIN_USER:
                sales_day(actor, day, rng.randint(*SALES_DAILY_ADDS), list(texts.SALES_GREETINGS[:2]))
            else:
                staff_day(actor, day)
            continue
        first = start if day == start.date() else at_local(day, rng.uniform(8.5, 10))
        KIND_DAY[a.kind](actor, day, first, day == start.date())


def fast_adder_day(actor: Actor, day: date, first: datetime, opening: bool) -> None:
    rng = actor.rng
    at = first
    for _ in range(rng.randint(*FAST_SESSIONS_PER_DAY)):
        actor.login(at, device_kind="emulator" if rng.random() < P_EMULATOR else "real")
        paced_requests(
            actor,
            at + timedelta(seconds=rng.uniform(5, 60)),
            rng.uniform(*FAST_SESSION_HOURS),
            rng.uniform(*FAST_ADDS_PER_HOUR),
            lambda: rng.choice(texts.ADD_SPAM_GREETINGS),
            lambda: "phone_search",
            FAST_ACCEPT,
            FAST_REPORT_PER_REQUEST,
            churn=FAST_REMOVE,
        )
        at += timedelta(hours=rng.uniform(3, 5))


def slow_adder_day(actor: Actor, day: date, first: datetime, opening: bool) -> None:
    rng = actor.rng
    actor.login(first)
    hours = rng.uniform(*SLOW_HOURS_PER_DAY)
    if opening:
        hours = min(hours, max(0.5, (at_local(day, 21) - first).total_seconds() / 3600))
    paced_requests(
        actor,
        first + timedelta(seconds=rng.uniform(5, 60)),
        hours,
        rng.uniform(*SLOW_ADDS_PER_HOUR),
        lambda: rng.choice(texts.ADD_SPAM_GREETINGS),
        lambda: "phone_search",
        SLOW_ACCEPT,
        SLOW_REPORT_PER_REQUEST,
    )


def greeting_spammer_day(actor: Actor, day: date, first: datetime, opening: bool) -> None:
    rng = actor.rng
    disguises = actor.values["disguises"].split("|")

    def greeting() -> str:
        if rng.random() < GREETING_BAIT_SHARE:
            return texts.spam_greeting(rng, rng.choice(disguises))
        return rng.choice(texts.ADD_SPAM_GREETINGS)

    actor.login(first)
    paced_requests(
        actor,
        first + timedelta(seconds=rng.uniform(5, 60)),
        rng.uniform(*GREETING_HOURS_PER_DAY),
        rng.uniform(*GREETING_ADDS_PER_HOUR),
        greeting,
        lambda: weighted(rng, GREETING_METHODS),
        GREETING_ACCEPT,
        GREETING_REPORT_PER_REQUEST,
    )


def harasser_day(actor: Actor, day: date, first: datetime, opening: bool) -> None:
    rng = actor.rng
    staff_day(actor, day)  # they still do their job
    if not opening:
        return
    n_targets = rng.randint(*HARASS_TARGETS)
    internal = list(actor.colleagues)
    rng.shuffle(internal)
    targets = [(c, False) for c in internal[: round(n_targets * 0.6)]]
    targets += [(new_id(rng), True) for _ in range(n_targets - len(targets))]
    first_msg: dict[str, datetime] = {}
    for _ in range(rng.randint(*HARASS_MESSAGES)):
        target, external = rng.choice(targets)
        at = first + timedelta(hours=rng.uniform(0, 30))
        if target not in first_msg:
            at = min(at, first + timedelta(hours=rng.uniform(0, 4)))  # everyone is hit early on
        first_msg[target] = min(first_msg.get(target, at), at)
        actor.tl.add(
            "message", at, text=rng.choice(texts.HARASSMENT_MESSAGES), to_external=external, recipient_id=target
        )
    reporters = list(first_msg)
    rng.shuffle(reporters)
    for target in reporters[: min(len(reporters), rng.randint(*HARASS_REPORTERS))]:
        at = first_msg[target] + timedelta(hours=rng.uniform(*HARASS_REPORT_DELAY_HOURS))
        actor.tl.add("report", at, reporter_id=target, reason="harassment")


def plugin_user_day(actor: Actor, day: date, first: datetime, opening: bool) -> None:
    rng = actor.rng
    signature = actor.values["plugin"]
    actor.login(first, plugin_signatures=[signature])
    for _ in range(rng.randint(*PLUGIN_BURSTS_PER_DAY)):
        at = max(first, office_moment(rng, day)) + timedelta(minutes=1)
        actor.tl.add("feature_use", at, feature="mass_send")
        for i in range(rng.randint(*PLUGIN_BURST_MESSAGES)):
            text = rng.choice(texts.EXTERNAL_MESSAGES)
            actor.tl.add(
                "message", at + timedelta(seconds=3 * i), text=text, to_external=True, recipient_id=new_id(rng)
            )
    n = rng.randint(*PLUGIN_DAILY_ADDS)
    greeting = texts.fill(texts.SALES_GREETINGS[0], **actor.values)
    for _ in range(n):
        actor.request(max(first, office_moment(rng, day)), "phone_search", greeting, SALES_ACCEPT, SALES_CHURN)


def fraudster_day(actor: Actor, day: date, first: datetime, opening: bool) -> None:
    rng = actor.rng
    actor.login(first, device_kind="emulator" if rng.random() < P_EMULATOR else "real")

    def greeting() -> str:
        return rng.choice(texts.FRAUD_GREETINGS if rng.random() < FRAUD_BAIT_SHARE else texts.ADD_SPAM_GREETINGS)

    paced_requests(
        actor,
        first + timedelta(seconds=rng.uniform(5, 60)),
        rng.uniform(*FRAUD_HOURS_PER_DAY),
        rng.uniform(*FRAUD_ADDS_PER_HOUR),
        greeting,
        lambda: "phone_search",
        FRAUD_ACCEPT,
        FRAUD_VICTIM_REPORT,
        reason="fraud",
        pitch=texts.FRAUD_MESSAGES,
        reply=FRAUD_MESSAGE,
    )


KIND_DAY = {
    Kind.FAST_ADDER: fast_adder_day,
    Kind.SLOW_ADDER: slow_adder_day,
    Kind.GREETING_SPAMMER: greeting_spammer_day,
    Kind.HARASSER: harasser_day,
    Kind.PLUGIN_USER: plugin_user_day,
    Kind.FRAUDSTER: fraudster_day,
}


# --- entry point -----------------------------------------------------------------------------------------------


def events_for(
    rng: random.Random,
    account: SimAccount,
    enterprise: SimEnterprise,
    colleagues: list[str],
    pop: Population,
) -> list[dict[str, Any]]:
    """All events of one account, in generation order (the caller sorts the population's events)."""
    start = max(account.created_at, pop.warmup_start)
    tl = Timeline(account.id, start, pop.measured_end)
    n_features = rng.randint(*HABIT_FEATURE_COUNT)
    values = {
        "company": enterprise.name,
        "name": account.nickname or "",
        "phone": account.phone,
    }
    if account.kind is Kind.GREETING_SPAMMER:
        baits = rng.sample(texts.SPAM_BAITS, rng.randint(1, 2))
        values["disguises"] = "|".join(rng.choice(texts.DISGUISES[b]) for b in baits for _ in range(rng.randint(1, 2)))
    if account.kind is Kind.PLUGIN_USER:
        values["plugin"] = rng.choice(PLUGIN_SIGNATURES)
    actor = Actor(
        rng=rng,
        tl=tl,
        account=account,
        enterprise=enterprise,
        colleagues=colleagues,
        device=f"dev-{rng.getrandbits(40):010x}",
        linked=rng.random() < LINKED_LOGIN_SHARE,
        version=weighted(rng, CLIENT_VERSIONS),
        features=tuple(rng.sample(HABIT_FEATURES, n_features)),
        values=values,
    )
    run_days = list(days(start, pop.measured_end))
    if not run_days:
        return []
    actor.profile_touch(run_days)
    kind = account.kind
    if kind is Kind.STAFF:
        for day in run_days:
            staff_day(actor, day)
    elif kind is Kind.SALES:
        daily = rng.randint(*SALES_DAILY_ADDS)
        templates = list(texts.SALES_GREETINGS)
        rng.shuffle(templates)
        templates = templates[: rng.randint(1, 2)]
        if "greeting_with_phone" in account.traits:
            templates = list(texts.SALES_GREETINGS_WITH_PHONE)
        for day in run_days:
            sales_day(actor, day, daily, templates)
    elif kind is Kind.CUSTOMER_SERVICE:
        daily = rng.randint(*CS_DAILY_INBOUND)
        for day in run_days:
            customer_service_day(actor, day, daily)
    elif kind is Kind.NEW_HIRE:
        new_hire_days(actor, run_days)
    elif kind is Kind.SHOP_STAFF:
        day_off = rng.randrange(7)
        inbound = rng.randint(*SHOP_DAILY_INBOUND)
        for day in run_days:
            shop_day(actor, day, day_off, inbound)
    else:
        abuser_days(actor, run_days)
    return tl.events
