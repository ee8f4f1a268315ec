"""`RuleSet.once_at_a_time` is a declaration the superseding of late strikes relies on (`Effector.settle`): every
strike a declared rule asks for must be guarded by `not already_restricted_by(subject, rule, at)` with the strike's
own rule and time, and no other code may ask for a strike of that rule. Checked on the source, not guessed."""

from __future__ import annotations

import ast
from pathlib import Path

import warden
from warden.enforcement.rules import ONCE_AT_A_TIME, RULES

ROOT = Path(warden.__file__).parent


def _requests(tree: ast.AST) -> list[tuple[ast.Call, list[ast.AST]]]:
    """Every `StrikeRequest(...)` call with the chain of nodes enclosing it (outermost first)."""
    out: list[tuple[ast.Call, list[ast.AST]]] = []

    def walk(node: ast.AST, chain: list[ast.AST]) -> None:
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "StrikeRequest":
            out.append((node, chain))
        for child in ast.iter_child_nodes(node):
            walk(child, [*chain, node])

    walk(tree, [])
    return out


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _guards(test: ast.AST) -> list[ast.Call]:
    """The `not already_restricted_by(...)` conjuncts of an `if` test."""
    parts = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
    return [
        p.operand
        for p in parts
        if isinstance(p, ast.UnaryOp)
        and isinstance(p.op, ast.Not)
        and isinstance(p.operand, ast.Call)
        and getattr(p.operand.func, "id", None) == "already_restricted_by"
    ]


def test_every_strike_of_a_once_at_a_time_rule_is_guarded_by_its_own_restriction() -> None:
    assert RULES.once_at_a_time == ONCE_AT_A_TIME
    guarded: dict[str, int] = dict.fromkeys(ONCE_AT_A_TIME, 0)
    for path in sorted(ROOT.rglob("*.py")):
        for call, chain in _requests(ast.parse(path.read_text(encoding="utf-8"))):
            rule = _kw(call, "rule")
            name = rule.value if isinstance(rule, ast.Constant) else None
            if name not in ONCE_AT_A_TIME:
                assert name is not None or "enforcement/rules" not in str(path), f"{path}: a rule named at run time"
                continue
            assert path.parent.name == "rules", f"{path}:{call.lineno} asks for a {name} strike outside its rule"
            at = _kw(call, "at")
            found = False
            for node in chain:
                if not isinstance(node, ast.If):
                    continue
                if not any(call in ast.walk(b) for b in node.body):  # in the `if` branch, not the `else`
                    continue
                for g in _guards(node.test):
                    args = g.args
                    if (
                        len(args) == 3
                        and isinstance(args[0], ast.Name)
                        and args[0].id == "subject"
                        and isinstance(args[1], ast.Constant)
                        and args[1].value == name
                        and isinstance(at, ast.Name)
                        and isinstance(args[2], ast.Name)
                        and args[2].id == at.id
                    ):
                        found = True
            assert found, f"{path}:{call.lineno}: a {name} strike not guarded by already_restricted_by"
            guarded[name] += 1
    assert all(guarded.values()), f"declared but never struck: {guarded}"
