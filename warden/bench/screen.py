"""`warden bench screen`: throughput, build time, memory, the evaluation set and corpus quality of the screening
engine.

Everything is measured in one process on one generated corpus, so the ratios are comparable: the full
pipeline (fold + all channels + detectors + offset mapping), batched, against the raw matcher alone batched the
same way (daachorse, leftmost-longest, the same folded dictionary, on unfolded text: the batch's messages joined
with NUL, one call per batch, each match given to its message). Every figure is the median of interleaved
repeats with min and max, CPU time beside wall time; per-message calls of both are shown for reference.
"""

from __future__ import annotations

import gc
import random
import resource
import statistics
import time
import tracemalloc
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import accumulate

import daachorse
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from warden.bench.corpus import CorpusScore, load_corpus, score
from warden.bench.measure import Run, Spread, ratios, timed
from warden.enforcement.policy import Audience, TextKind
from warden.screening.dictionaries import TermSpec
from warden.screening.engine import BATCH_SIZE, ScreeningEngine, build_default_engine
from warden.screening.eval import CleanMessage, EvalReport, evaluate
from warden.screening.eval.disguised import DisguisedRow
from warden.screening.eval.fresh import caught as fresh_caught
from warden.screening.eval.fresh import load_fresh_clean, load_fresh_spam
from warden.screening.eval.fresh2 import load_fresh2_clean, load_fresh2_spam
from warden.screening.eval.fresh3 import load_fresh3_clean, load_fresh3_spam
from warden.screening.eval.fresh4 import load_fresh4_clean, load_fresh4_spam
from warden.screening.eval.fresh5 import load_fresh5_clean, load_fresh5_spam
from warden.screening.eval.fresh6 import load_fresh6_clean, load_fresh6_spam
from warden.screening.eval.heldout import load_heldout_clean, load_heldout_spam
from warden.screening.folding import NUL


@dataclass(frozen=True)
class BlindCorpus:
    """A corpus written by people who never saw the engine: its loaders and how the bench names it."""

    spam: Callable[[], list[DisguisedRow]]
    clean: Callable[[], list[CleanMessage]]
    title: str


BLIND_CORPORA: dict[str, BlindCorpus] = {
    "sixth": BlindCorpus(
        load_fresh6_spam,
        load_fresh6_clean,
        "sixth fresh corpus (warden.screening.eval.fresh6, three parts written at once by three writers who never saw"
        " the engine, read by no one while tuning)",
    ),
    "fifth": BlindCorpus(
        load_fresh5_spam,
        load_fresh5_clean,
        "fifth fresh corpus (warden.screening.eval.fresh5; scored once with round 8, development data since round 9"
        " tuned on it, not an honest figure)",
    ),
    "fourth": BlindCorpus(
        load_fresh4_spam,
        load_fresh4_clean,
        "fourth fresh corpus (warden.screening.eval.fresh4; development data since round 8 tuned on it, not an honest"
        " figure)",
    ),
    "third": BlindCorpus(
        load_fresh3_spam,
        load_fresh3_clean,
        "third fresh corpus (warden.screening.eval.fresh3; development data: a round tuned on it, not an honest"
        " figure)",
    ),
    "second": BlindCorpus(
        load_fresh2_spam,
        load_fresh2_clean,
        "second fresh corpus (warden.screening.eval.fresh2; development data: a round tuned on it, not an honest"
        " figure)",
    ),
    "dev": BlindCorpus(
        lambda: load_fresh_spam("dev"),
        lambda: load_fresh_clean("dev"),
        "first fresh corpus, dev half (development data: its misses were read while the engine changed)",
    ),
    "test": BlindCorpus(
        lambda: load_fresh_spam("test"),
        lambda: load_fresh_clean("test"),
        "first fresh corpus, test half (development data: its misses were read while the engine changed)",
    ),
}
"""The written-blind corpora `warden bench screen --fresh NAME` scores, newest first. The newest (``sixth``, the
default) is read by no one who works on the engine: the honest figure; the others are development data since a round
tuned on them."""
UNSEEN = "sixth"
"""The default of ``--fresh``: the newest blind corpus."""

# Frequent characters of ordinary Chinese text, for filler.
COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而"
    "方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应"
    "开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命"
    "此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求"
    "老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光"
    "门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速"
    "花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需"
    "段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感"
    "劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂"
)
_PUNCT = "，，，。！？、 "
Match = tuple[int, int, int]
"""A raw match: start, end (characters of its message) and the pattern's index."""


@dataclass(frozen=True)
class Throughput:
    """`messages` (`nbytes` of UTF-8) screened once per repeat (`runs`), finding `hits`."""

    runs: tuple[Run, ...]
    messages: int
    nbytes: int
    hits: int

    @property
    def msgs_per_s(self) -> float:
        """Median messages per wall-clock second."""
        return self.rate.median

    @property
    def rate(self) -> Spread:
        return Spread.of(r.rate for r in self.runs)

    @property
    def cpu_rate(self) -> Spread:
        return Spread.of(r.cpu_rate for r in self.runs)

    @property
    def mb_per_s(self) -> float:
        return self.msgs_per_s * self.nbytes / self.messages / 1e6

    def rate_list(self) -> list[float]:
        return [r.rate for r in self.runs]

    def cpu_rate_list(self) -> list[float]:
        return [r.cpu_rate for r in self.runs]


@dataclass
class BenchReport:
    messages: int
    nbytes: int
    spam_share: float
    full: Throughput  # the pipeline, screen_many (batched)
    raw: Throughput  # the raw matcher, batched the same way
    single: Throughput  # the pipeline, one screen() per message (reference, on a tenth of the messages)
    raw_single: Throughput  # the raw matcher, one find() per message on fresh strings (reference)
    shipped_terms: int
    shipped_patterns: int
    shipped_build_s: float
    with_lists_s: float
    synth_terms: int
    synth_automaton_s: float
    synth_engine_s: float
    synth_engine_forms_s: float
    synth_automaton_bytes: int
    synth_rss_bytes: int
    synth_python_peak_bytes: int
    corpus_rows: int
    quality: CorpusScore
    evaluation: EvalReport
    heldout: EvalReport  # the hand-written held-out set (warden.screening.eval.heldout)
    heldout_judged: list[tuple[CleanMessage, str]]  # held-out clean messages the default policy warns on or blocks
    fresh: EvalReport  # the written-blind corpus `fresh_half` names (`BLIND_CORPORA`; the newest by default)
    fresh_judged: list[tuple[CleanMessage, str]]
    fresh_half: str = UNSEEN  # a key of `BLIND_CORPORA` (`warden bench screen --fresh NAME`)

    @property
    def ratio(self) -> Spread:
        """Full pipeline over raw matcher messages/s, both batched, taken within each repeat (target ≥ 0.5)."""
        return ratios(self.full.rate_list(), self.raw.rate_list())

    @property
    def cpu_ratio(self) -> Spread:
        """The same per CPU second."""
        return ratios(self.full.cpu_rate_list(), self.raw.cpu_rate_list())


def generate_messages(n: int, seed: int = 42, spam_share: float = 0.05) -> list[str]:
    """Short messages like greetings and chat: filler of frequent characters with punctuation, some
    ordinary ASCII, and ``spam_share`` of them carrying a disguised term from the quality corpus."""
    rnd = random.Random(seed)
    rows = load_corpus()
    spam = [r.text for r in rows if r.expected]
    plain = [r.text for r in rows if not r.expected]
    ascii_bits = ("OK", "PPT", "v2.1", "Q3", "iPhone", "10:30", "2026", "CRM", "HR", "email")
    out = []
    for _ in range(n):
        parts: list[str] = []
        length = rnd.randint(20, 80)
        while sum(map(len, parts)) < length:
            r = rnd.random()
            if r < 0.04:
                parts.append(rnd.choice(plain))
            elif r < 0.10:
                parts.append(rnd.choice(ascii_bits))
            else:
                parts.append("".join(rnd.choices(COMMON, k=rnd.randint(3, 12))) + rnd.choice(_PUNCT))
        if rnd.random() < spam_share:
            parts.insert(rnd.randrange(len(parts) + 1), rnd.choice(spam))
        out.append("".join(parts))
    return out


def _timed(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    """Median wall time of ``repeat`` runs and the result of the last run."""
    times, result = [], 0
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def raw_batched(ac: daachorse.CharwiseDoubleArrayAhoCorasick, msgs: Sequence[str]) -> list[Sequence[Match]]:
    """The raw matcher batched as the pipeline batches (`BATCH_SIZE` messages joined with NUL, which is in no
    pattern; one `find` per batch): per message, its matches as (start, end, pattern) in the message's characters.
    Messages without a match share one empty tuple, as `screen_many`'s results do."""
    out: list[Sequence[Match]] = []
    for i in range(0, len(msgs), BATCH_SIZE):
        chunk = msgs[i : i + BATCH_SIZE]
        starts = list(accumulate([len(m) + 1 for m in chunk], initial=0))
        found: dict[int, list[Match]] = {}
        for s, e, v in ac.find(NUL.join(chunk)):
            m = bisect_right(starts, s) - 1
            found.setdefault(m, []).append((s - starts[m], e - starts[m], v))
        per: list[Sequence[Match]] = [()] * len(chunk)
        for m, hits in found.items():
            per[m] = hits
        out.extend(per)
    return out


def _fresh(msgs: list[str]) -> list[str]:
    """New string objects with the same text (no cached UTF-8 form)."""
    return [m.encode("utf-8").decode("utf-8") for m in msgs]


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def synthetic_terms(n: int, seed: int = 7) -> list[TermSpec]:
    rnd = random.Random(seed)
    cats = ("red_packet", "rebate", "gambling", "loan", "part_time", "fraud")
    seen: dict[str, TermSpec] = {}
    while len(seen) < n:
        t = "".join(rnd.choices(COMMON, k=rnd.randint(2, 6)))
        seen.setdefault(t, TermSpec(t, rnd.choice(cats), rnd.choice(("medium", "high")), frozenset({"homophone"})))
    return list(seen.values())


_SITUATIONS: dict[str, tuple[TextKind, Audience]] = {
    "greeting": ("greeting", "external"),
    "internal": ("message", "internal"),
    "external": ("message", "external"),
}


def judged_false_positives(report: EvalReport) -> list[tuple[CleanMessage, str]]:
    """The flagged clean messages of ``report`` that S-A6 under the shipped default policy would still warn on or
    block in their situation (the held-out set's ``domain/situation``: a greeting, a message to a colleague, a
    message to an external stranger, the most guarded external case), with the outcome (``warned``, ``blocked``).
    Messages without a situation are judged as greetings."""
    from warden.adapters.policy_file import load_policy
    from warden.enforcement.policy import Circumstances
    from warden.enforcement.rules.words import judge

    rule = load_policy().policy.rules.sensitive_words
    out: list[tuple[CleanMessage, str]] = []
    for message, hits in report.with_hits or report.flagged:
        kind, audience = _SITUATIONS.get(message.domain.rpartition("/")[2], ("greeting", "external"))
        verdict = judge(rule, hits, kind, partial(Circumstances, kind, audience))
        if verdict.outcome != "allowed":
            out.append((message, verdict.outcome))
    return out


def run(
    messages: int = 100_000,
    repeat: int = 3,
    synth: int = 50_000,
    seed: int = 42,
    step: Callable[[str], None] = lambda _: None,
    half: str = UNSEEN,
) -> BenchReport:
    """Run every measurement; ``step`` is called with a label before each (for progress display)."""
    step("building the shipped engine")
    t0 = time.perf_counter()
    engine = build_default_engine()
    shipped_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine.with_lists([("内推码", "contact_diversion", "low")], ["内推码说明"])
    with_lists = time.perf_counter() - t0

    step(f"generating {messages:,} messages")
    msgs = generate_messages(messages, seed)
    nbytes = sum(len(m.encode("utf-8")) for m in msgs)

    step("raw matcher vs full pipeline, batched, interleaved repeats")
    raw_ac = daachorse.CharwiseDoubleArrayAhoCorasick(
        engine.raw_patterns(), match_kind=daachorse.MATCH_KIND_LEFTMOST_LONGEST
    )

    engine.screen_many(msgs[:1000])  # warm-up
    raw_batched(raw_ac, msgs[:1000])
    sample = msgs[: max(1, messages // 10)]
    sample_bytes = sum(len(m.encode("utf-8")) for m in sample)
    runs: dict[str, list[Run]] = {"raw": [], "full": [], "raw_single": [], "single": []}
    hits: dict[str, int] = {}
    cases: dict[str, tuple[list[str], Callable[[list[str]], int]]] = {
        "raw": (msgs, lambda ms: sum(map(len, raw_batched(raw_ac, ms)))),
        "full": (msgs, lambda ms: sum(map(len, engine.screen_many(ms)))),
        # Fresh strings: CPython caches a string's UTF-8 form the first time the Rust matcher reads it, which
        # would let later per-message runs skip work real traffic always pays (a batch joins new strings anyway).
        "raw_single": (msgs, lambda ms: sum(len(raw_ac.find(m)) for m in ms)),
        "single": (sample, lambda ms: sum(len(engine.screen(m)) for m in ms)),
    }
    for _ in range(repeat):  # interleaved, so load from other processes hits every case alike
        for name, (texts, fn) in cases.items():
            fresh = _fresh(texts)
            gc.collect()
            with timed(len(fresh)) as timer:
                hits[name] = fn(fresh)
            runs[name].append(timer.run)

    step(f"building automata for {synth:,} synthetic terms")
    terms = synthetic_terms(synth)
    keys = [t.term for t in terms]
    synth_ac_s, _ = _timed(
        lambda: len(
            daachorse.CharwiseDoubleArrayAhoCorasick(keys, match_kind=daachorse.MATCH_KIND_LEFTMOST_LONGEST).serialize()
        ),
        repeat,
    )
    gc.collect()
    rss0 = _rss()
    t0 = time.perf_counter()
    big = ScreeningEngine(terms, detectors=False)
    synth_engine = time.perf_counter() - t0
    rss_delta = _rss() - rss0
    big_bytes = big.automaton_bytes()
    del big
    gc.collect()
    tracemalloc.start()
    ScreeningEngine(terms, detectors=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    step(f"engine for {synth:,} terms with pinyin/mixed/homophone forms")
    forms = [TermSpec(t.term, t.category, t.severity) for t in terms]
    t0 = time.perf_counter()
    ScreeningEngine(forms, detectors=False)
    synth_forms = time.perf_counter() - t0

    step("quality corpus and evaluation set")
    rows = load_corpus()
    quality = score(rows, engine.screen_many([r.text for r in rows]))
    evaluation = evaluate(engine)
    heldout = evaluate(engine, load_heldout_spam(), load_heldout_clean())
    heldout_judged = judged_false_positives(heldout)
    corpus = BLIND_CORPORA[half]
    unseen = evaluate(engine, corpus.spam(), corpus.clean(), found=fresh_caught)
    fresh_judged = judged_false_positives(unseen)

    spam_share = 0.05
    return BenchReport(
        messages=len(msgs),
        nbytes=nbytes,
        spam_share=spam_share,
        full=Throughput(tuple(runs["full"]), len(msgs), nbytes, hits["full"]),
        raw=Throughput(tuple(runs["raw"]), len(msgs), nbytes, hits["raw"]),
        single=Throughput(tuple(runs["single"]), len(sample), sample_bytes, hits["single"]),
        raw_single=Throughput(tuple(runs["raw_single"]), len(msgs), nbytes, hits["raw_single"]),
        shipped_terms=len(engine.terms),
        shipped_patterns=engine.pattern_count,
        shipped_build_s=shipped_build,
        with_lists_s=with_lists,
        synth_terms=len(terms),
        synth_automaton_s=synth_ac_s,
        synth_engine_s=synth_engine,
        synth_engine_forms_s=synth_forms,
        synth_automaton_bytes=big_bytes,
        synth_rss_bytes=rss_delta,
        synth_python_peak_bytes=peak,
        corpus_rows=len(rows),
        quality=quality,
        evaluation=evaluation,
        heldout=heldout,
        heldout_judged=heldout_judged,
        fresh=unseen,
        fresh_judged=fresh_judged,
        fresh_half=half,
    )


def run_bench_screen(messages: int, repeat: int, terms: int, seed: int, console: Console, fresh: str = UNSEEN) -> None:
    """Run every measurement with a progress line, then print the tables."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("screening benchmark", total=7)

        def step(label: str) -> None:
            progress.update(task, description=label, advance=1)

        report = run(messages=messages, repeat=repeat, synth=terms, seed=seed, step=step, half=fresh)
    render(console, report)


def render(console: Console, r: BenchReport) -> None:
    """Print a `BenchReport` as tables."""
    console.print(
        f"[bold]Screening benchmark[/]: {r.messages:,} generated short messages, "
        f"{r.nbytes / 1e6:.1f} MB UTF-8, mean {r.nbytes / r.messages:.0f} bytes; "
        f"{r.shipped_terms} shipped terms → {r.shipped_patterns:,} automaton keys"
    )
    repeats = len(r.full.runs)
    t = Table(title=f"Throughput: median of {repeats} interleaved repeats (min–max)")
    t.add_column("pipeline", no_wrap=True)
    for col in ("messages/s (wall)", "messages per CPU s", "MB/s", "hits"):
        t.add_column(col, justify="right")
    for label, tp, hits in (
        ("full pipeline, screen_many (batched)", r.full, f"{r.full.hits:,}"),
        ("raw matcher, batched", r.raw, f"{r.raw.hits:,}"),
        ("full pipeline, per message", r.single, f"{r.single.hits:,} (on {r.single.messages:,})"),
        ("raw matcher, per message", r.raw_single, f"{r.raw_single.hits:,}"),
    ):
        t.add_row(label, tp.rate.show(), tp.cpu_rate.show(), f"{tp.mb_per_s:.1f}", hits)
    console.print(t)
    console.print(
        "raw matcher: daachorse, leftmost-longest, the pipeline's folded dictionary, on unfolded text; batched: "
        f"{BATCH_SIZE:,} messages joined with NUL, one find() per batch, each match given to its message (as "
        "screen_many batches); per message: one call each (for reference, on fresh strings)."
    )
    console.print(
        f"full / raw (messages/s), both batched: [bold]{r.ratio.show('.2f')}[/] wall, "
        f"{r.cpu_ratio.show('.2f')} CPU (each taken within a repeat)"
    )

    ev = r.evaluation
    e = Table(title="Evaluation set (warden.screening.eval): recall per technique (goal ≥ 98 %)")
    e.add_column("technique")
    e.add_column("recall", justify="right")
    e.add_column("caught / rows", justify="right")
    for technique, (found, rows) in ev.recall.items():
        note = " (not claimed)" if technique not in ev.techniques else ""
        e.add_row(technique + note, f"{ev.recall_of(technique):.1%}", f"{found}/{rows}")
    console.print(e)
    console.print(
        f"false positives on {ev.clean_rows:,} clean business messages: [bold]{ev.false_positive_rate:.2%}[/]"
        f" ({len(ev.flagged)} with any hit; goal ≤ 0.1 %), blocking {ev.blocking_false_positive_rate:.2%}"
        f" ({len(ev.blocking)}); honest only in context: {ev.context_rows}, flagged by the text alone"
        f" {len(ev.context_flagged)} (the policy's contexts judge those)"
    )

    h = r.heldout
    e = Table(title="Held-out set (warden.screening.eval.heldout, hand-written, not tuned on): recall per technique")
    e.add_column("technique")
    e.add_column("recall", justify="right")
    e.add_column("caught / rows", justify="right")
    for technique, (found, rows) in h.recall.items():
        e.add_row(technique, f"{h.recall_of(technique):.1%}", f"{found}/{rows}")
    console.print(e)
    blocked = sum(outcome == "blocked" for _, outcome in r.heldout_judged)
    console.print(
        f"held-out clean messages: {h.clean_rows:,}; the text screen flags [bold]{h.false_positive_rate:.2%}[/]"
        f" ({len(h.flagged)}; goal ≤ 0.1 %), blocking severity {h.blocking_false_positive_rate:.2%}"
        f" ({len(h.blocking)}); judged by S-A6 under the default policy in each message's situation:"
        f" [bold]{len(r.heldout_judged) / max(1, h.clean_rows):.2%}[/] warned or blocked ({len(r.heldout_judged)},"
        f" {blocked} blocked); honest only in context: {h.context_rows}, flagged by the text {len(h.context_flagged)}"
    )

    f = r.fresh
    total = sum(found for found, _ in f.recall.values()), sum(rows for _, rows in f.recall.values())
    worst = sorted(f.recall, key=f.recall_of)[:4]
    console.print(
        BLIND_CORPORA[r.fresh_half].title
        + f": recall [bold]{total[0] / max(1, total[1]):.1%}[/] ({total[0]}/{total[1]}; weakest: "
        + ", ".join(f"{t} {f.recall_of(t):.0%}" for t in worst)
        + f"); clean with a hit showing intent {f.false_positive_rate:.2%} ({len(f.flagged)} of {f.clean_rows:,});"
        f" warned or refused by S-A6 in their situation {len(r.fresh_judged) / max(1, f.clean_rows):.2%}"
        f" ({len(r.fresh_judged)}, {sum(o == 'blocked' for _, o in r.fresh_judged)} refused)"
    )

    b = Table(title="Build and memory")
    b.add_column("measure")
    b.add_column("value", justify="right")
    b.add_row("shipped engine build (first, incl. fold + syllable tables)", f"{r.shipped_build_s * 1000:.0f} ms")
    b.add_row("derive engine with enterprise lists (with_lists)", f"{r.with_lists_s * 1000:.1f} ms")
    b.add_row(f"automaton build, {r.synth_terms:,} terms (daachorse only)", f"{r.synth_automaton_s * 1000:.0f} ms")
    b.add_row(f"engine build, {r.synth_terms:,} terms, folded + homophone", f"{r.synth_engine_s * 1000:.0f} ms")
    b.add_row(f"engine build, {r.synth_terms:,} terms, + pinyin and mixed forms", f"{r.synth_engine_forms_s:.1f} s")
    b.add_row(f"automaton size, {r.synth_terms:,} terms (serialized)", f"{r.synth_automaton_bytes / 1e6:.1f} MB")
    b.add_row(f"RSS growth building it ({r.synth_terms:,} terms)", f"{r.synth_rss_bytes / 1e6:.1f} MB")
    b.add_row("Python heap peak while building (tracemalloc)", f"{r.synth_python_peak_bytes / 1e6:.1f} MB")
    console.print(b)

    q = Table(title=f"Quality on the corpus ({r.corpus_rows:,} rows)")
    q.add_column("technique")
    q.add_column("recall", justify="right")
    q.add_column("rows", justify="right")
    for technique, (found, rows) in r.quality.recall.items():
        q.add_row(technique, f"{found / rows:.0%}", f"{found}/{rows}")
    q.add_row("[bold]claimed techniques[/]", f"[bold]{r.quality.claimed_recall:.1%}[/]", "")
    q.add_row("all rows incl. limit_*", f"{r.quality.overall_recall:.1%}", "")
    console.print(q)
    console.print(
        f"precision: [bold]{r.quality.precision:.2%}[/] ({r.quality.true_hits:,} true hits, "
        f"{r.quality.false_hits} false); clean rows with any hit: "
        f"{r.quality.clean_rows_hit}/{r.quality.clean_rows}"
    )
