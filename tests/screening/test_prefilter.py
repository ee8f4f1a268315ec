"""Issue 13, fourth speed round: the literal pre-passes (`warden.screening.prefilter`) never skip a text the regex
they stand in front of would find something in, and the engine gives the same hits with them as without them."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from warden.bench.screen import COMMON, generate_messages
from warden.screening import contact_grammar, detectors, engine
from warden.screening.engine import build_default_engine
from warden.screening.folding import code_points
from warden.screening.precision import _VERDICT
from warden.screening.prefilter import factor_gate, factor_gates, lead_gate, next_chars, required_factors

# crafted triggers: every shape the gated regexes read, with noise around them
VERDICTS = (
    "看到以我们名义的兼职，都是假的",
    "以征信修复为名收费的均属于骗局",
    "这种红包活动一律是诈骗",
    "这些全都是虚假的",
    "纯属谣言",
    "纯属诈骗，请勿转发",
    "有人问能不能刷单，一律拒绝",
    "把钱转到安全账户，已经报警",
    "网络兼职，已移出群聊并提醒大家不要相信。",
    "切勿点击链接",
    "千万别上当",
    "谨慎参与",
    "不都是假的",
    "都系冒牌",
    "都为钓鱼",
    "全部是骗人的",
)
CONTACT = (
    "加我绿色的那个",
    "拉你进群",
    "带你入个群",
    "私聊我",
    "私信我详聊",
    "滴滴我",
    "小窗我",
    "加个微信",
    "加我vx聊",
    "vx 聊",
    "wx号",
    "企鹅群",
    "🐧群",
    "te1egram",
    "telegram 找我",
    "tg 聊",
    "上飞机聊",
    "电报群",
    "飞机频道",
    "加我 whatsapp",
    "whatsapp 联系",
    "来我群里",
    "进个群",
    "加入我们的群",
    "q号",
    "加q",
    "加我卫星号",
    "绿泡泡 号",
    "扣扣聊",
    "add me on wechat",
    "hit me up",
    "dm我",
)
SPOKEN = (
    "abc艾特gmail点com",
    "vip8888 点 cn",
    "zhang下划线san",
    "http冒号双斜杠abc斜杠x",
    "1 3 8 0 0 1 3 8 0 0 0",
    "w w w",
    "one-three-nine-eight",
    "oh two one",
    "abc dot com",
    "mail at qq",
    "138空格1234横杠5678杠9",
    "q: 12345678",
    "q：1234567",
    "Q 1234567890元",
)
RAW_TRIGGERS = (
    "下划线",
    "点com",
    "点 cn",
    "点\u3000me",
    "艾特",
    "斜杠",
    "空格 1",
    "倒着写",
    "反过来",
    "倒过来",
    "-one-two",
    "138 开头，中间 6012，结尾 5793",
    ".co",
    "x.Me",
    ".io ",
    ".app",
    "𝐚𝐛𝐜𝟏𝟐𝟑.𝐜𝐜",
)


def _noisy(texts: tuple[str, ...], seed: int, count: int, extra: str = "") -> list[str]:
    """The texts as they are, and inside random common characters."""
    rnd = random.Random(seed)
    out = list(texts)
    pool = COMMON[:80] + "，。 abc123q:：点下空反" + extra
    for _ in range(count):
        t = rnd.choice(texts)
        out.append(
            "".join(rnd.choices(pool, k=rnd.randint(0, 6))) + t + "".join(rnd.choices(pool, k=rnd.randint(0, 6)))
        )
    return out


def _random(alphabet: str, seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choices(alphabet, k=rnd.randint(0, 30))) for _ in range(count)]


def test_factor_gates_of_one_sequence_are_its_most_selective_items() -> None:
    gates = factor_gates(re.compile(r"(?:加|找)我?(?:微信|vx)"))
    assert gates is not None and [g.pattern for g in gates] == ["vx|微信", "加|找"]
    one = factor_gates(re.compile(r"ab|cd"))  # alternatives at the top: one gate over them
    assert one is not None and [g.pattern for g in one] == ["ab|cd"]


def test_required_factors_are_the_most_selective_literals_of_each_alternative_or_unknown() -> None:
    assert required_factors(re.compile(r"(?<!不)(?:都|均)是(?:诈骗|假的)")) == frozenset({"诈骗", "假的"})
    assert required_factors(re.compile(r"纯属(?:诈骗|谣言)|(?:已经?|并已?)报警")) == frozenset({"纯属", "报警"})
    assert required_factors(re.compile(r"ab+c")) == frozenset({"a"})  # one character each: the first
    assert required_factors(re.compile(r"[xy]z?")) == frozenset({"x", "y"})
    assert required_factors(re.compile(r"abc", re.IGNORECASE)) is None  # case folding: not spelled out
    assert required_factors(re.compile(r"abc|.")) is None  # an alternative with no literal
    assert required_factors(re.compile(r"\d+")) is None
    assert required_factors(re.compile(r"(?:ab)?c*")) is None  # may match nothing


@pytest.mark.parametrize(
    "pattern",
    [
        _VERDICT,
        contact_grammar._LEAD,
        contact_grammar._TRAIL,
        contact_grammar._PRIVATE_RE,
        contact_grammar._GROUP_RE,
        *contact_grammar._ALONE.values(),
    ],
    ids=["verdict", "lead", "trail", "private", "group", "alone-qq", "alone-telegram"],
)
def test_factor_gate_never_skips_a_text_the_regex_finds_something_in(pattern: re.Pattern[str]) -> None:
    gate = factor_gate(pattern)
    assert gate is not None  # the pre-pass applies to every regex it stands in front of today
    factors = sorted(required_factors(pattern) or ())
    alphabet = "".join(sorted(set("".join(factors)))) + "不是的都 ，。\0ab"
    texts = [*_noisy(VERDICTS + CONTACT, 13, 600), *_random(alphabet, 13, 3000), *generate_messages(2000)]
    texts += [contact_grammar.view(t)[0] for t in texts[:500]]
    gates = factor_gates(pattern)  # what the grammar uses: every gate must find something (a verb and a name)
    assert gates
    matched = 0
    for text in texts:
        if pattern.search(text) is not None:
            matched += 1
            assert gate.search(text) is not None, text
            assert all(g.search(text) is not None for g in gates), text
    assert matched > 5


@pytest.mark.parametrize("name", ["_SPOKEN", "_SPACED", "_EN_RUN", "_QQ_BARE"])
def test_lead_gate_never_skips_a_text_the_number_normaliser_reads(name: str) -> None:
    pattern = getattr(detectors, name)
    gate = lead_gate(pattern)
    assert gate is not None
    texts = _noisy(SPOKEN, 7, 2000, "艾特杠 ")
    texts += _random("ab1 2q:：点杠-onethreo\0", 7, 5000)
    matched = 0
    for text in texts:
        found = [m.span() for m in pattern.finditer(text)]
        if found:
            matched += 1
            assert gate.search(text) is not None, text
        # the normaliser runs the regex itself wherever the gate finds something: the same matches
        assert [m.span() for m in detectors._gated(pattern, text)] == found
    assert matched > 10


def test_lead_gate_reads_a_one_character_look_behind_and_drops_a_negative_one() -> None:
    gate = lead_gate(re.compile(r"(?<=[0-9])x|(?<![a-z])yz"))
    assert gate is not None and gate.pattern == "(?:[0-9]x)|(?:yz)"
    assert lead_gate(re.compile(r"(?<=ab)x")) is None  # a look-behind of two characters: not read
    assert lead_gate(re.compile(r"xy|z")) is None  # nothing to change
    assert lead_gate(re.compile(r"(?<=[(])x|y")) is not None  # a bracket inside a class does not close the group


def test_next_characters_of_the_detectors_raw_gate_drop_only_starts_no_match_can_have() -> None:
    table = next_chars(detectors.RAW_GATE)
    assert table is not None
    assert table[ord("下")] == frozenset({ord("划")})
    assert table[ord("1")] == frozenset(ord(c) for c in "3456789")
    batches = ["\0".join(_noisy(RAW_TRIGGERS, 5, 8)) for _ in range(400)]
    batches += [
        "\0".join(_random("下划点com 空格1倒着反过来-one.coMEapp138 60125793，\0", seed, 8)) for seed in range(400)
    ]
    batches += ["点", "下", "1", ".", "x点"]  # a possible start as the last character
    found = 0
    for joined in batches:
        raw = code_points(joined)
        flags = np.take(engine._RAW_FLAGS, raw, mode="clip")
        at = np.flatnonzero((flags & engine._RAW_GATE_START) != 0)
        expected = [m.start() for m in detectors.RAW_GATE.finditer(joined)]
        assert engine.gate_positions(joined, engine.gate_starts(raw, at)) == expected, joined
        found += len(expected)
    assert found > 100


def test_next_chars_is_unknown_where_a_second_character_is_not_spelled_out() -> None:
    assert next_chars(re.compile(r"a\d|b")) == {ord("a"): None, ord("b"): None}
    assert next_chars(re.compile(r"ab?c")) == {ord("a"): frozenset({ord("b"), ord("c")})}
    assert next_chars(re.compile(r"(a)b")) is None  # a group first: not this shape
    assert next_chars(re.compile(r"ab", re.IGNORECASE)) is None


def test_engine_with_every_pre_pass_gives_the_hits_it_gives_without_them(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [*VERDICTS, *SPOKEN, *RAW_TRIGGERS]
    texts += [f"加我微信 {t} 领红包" for t in (*SPOKEN, *RAW_TRIGGERS)]
    texts += [f"兼职刷单日结，加vx：abc12345，{t}" for t in VERDICTS]
    texts += ["拉你进群", "私聊我", "加我绿色的那个", "te1egram 频道", "企鹅群 12345678", "tg: @abcdef"]
    texts += generate_messages(3000)
    screen = build_default_engine()
    gated = screen.screen_many(texts)
    monkeypatch.setattr(engine, "_VERDICT_GATE", None)
    monkeypatch.setattr(engine, "_GATE_NEXT", None)
    monkeypatch.setattr(detectors, "_GATED", {})
    monkeypatch.setattr(contact_grammar, "_GATES", _AllNone())
    plain = screen.screen_many(texts)
    assert gated == plain
    assert sum(1 for hits in gated if hits) > 100


class _AllNone(dict[int, None]):
    """A gate table that holds no gate for any regex."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: int) -> None:
        return None


def test_hit_built_through_its_slots_equals_the_dataclass_built_one() -> None:
    import dataclasses
    import pickle

    from warden.screening.base import Hit

    @dataclasses.dataclass(frozen=True, slots=True)
    class Generated:  # Hit's fields as the dataclass machinery builds them
        term: str
        category: str
        severity: str
        channel: str
        start: int
        end: int
        matched: str
        intent: bool = True

    assert [f.name for f in dataclasses.fields(Hit)] == [f.name for f in dataclasses.fields(Generated)]
    args = ("红包", "red_packet", "low", "exact", 1, 3, "红包")
    for hit, plain in (
        (Hit(*args), Generated(*args)),
        (Hit(*args, intent=False), Generated(*args, intent=False)),
        (Hit(*args[:4], start=1, end=3, matched="红包", intent=False), Generated(*args, False)),
    ):
        assert dataclasses.astuple(hit) == dataclasses.astuple(plain)
        assert hit == pickle.loads(pickle.dumps(hit)) and hash(hit) == hash(dataclasses.replace(hit))
    with pytest.raises(dataclasses.FrozenInstanceError):
        Hit(*args).term = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Hit(*args[:6])  # type: ignore[call-arg]  # matched is required


def test_grammar_gate_fed_by_the_engines_gather_picks_the_messages_it_picks_alone() -> None:
    rnd = random.Random(3)
    pool = COMMON[:60] + "加我私聊进个群拉你飞机tgTGwechat绿色企鹅🐧 e·é，\0"
    batches = [[*CONTACT], generate_messages(500)]
    batches += [["".join(rnd.choices(pool, k=rnd.randint(0, 12))) for _ in range(20)] for _ in range(300)]
    for batch in batches:
        joined = "\0".join(batch)
        raw = code_points(joined)
        flags = np.take(engine._RAW_FLAGS, raw, mode="clip")
        special = np.flatnonzero(flags != 0)
        flags = flags[special]
        ends = special[(flags & engine._RAW_NUL) != 0]
        if ends.size != len(batch) - 1:
            continue  # a NUL inside a message: the engine passes nothing (the grammar reads the batch itself)
        mask = (flags & engine._RAW_ANCHOR) != 0
        heads = (special[mask], flags[mask] >> engine._RAW_ANCHOR_SHIFT)
        assert contact_grammar.anchored(batch, raw, ends, heads) == contact_grammar.anchored(batch), batch
