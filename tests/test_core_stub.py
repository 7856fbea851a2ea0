"""python/hub_v1/_core.pyi against the built engine module: the same functions, classes,
methods and properties, with the same parameter names in the same order and the same
defaults' presence, so mypy checks the package against what the engine really offers."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import hub_v1
import pytest
from hub_v1 import _core

STUB = Path(hub_v1.__file__).with_name("_core.pyi")
# Registered by the engine but typed elsewhere: the exceptions come from hub_v1.errors.
EXCEPTIONS = {name for name in dir(_core) if isinstance(getattr(_core, name), type)
              and issubclass(getattr(_core, name), BaseException)}  # fmt: skip


def _stub() -> ast.Module:
    return ast.parse(STUB.read_text())


def _stub_parameters(node: ast.FunctionDef) -> list[tuple[str, bool]]:
    """(name, has a default) for each parameter but self."""
    positional = node.args.posonlyargs + node.args.args
    defaults = [False] * (len(positional) - len(node.args.defaults)) + [True] * len(
        node.args.defaults
    )
    found = list(zip([a.arg for a in positional], defaults, strict=True))
    found += [
        (a.arg, d is not None)
        for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True)
    ]
    return [(name, default) for name, default in found if name != "self"]


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [part.strip() for part in [*parts, current] if part.strip()]


def _engine_parameters(function: object) -> list[tuple[str, bool]]:
    """(name, has a default) from pybind11's signature line, e.g. ``f(a: int, b: str = '')``."""
    doc = (getattr(function, "__doc__", None) or "").strip()
    match = re.match(r"^\w+\((.*)\) -> ", doc.splitlines()[0] if doc else "")
    assert match, f"no pybind11 signature for {function!r}: {doc[:80]!r}"
    parameters = []
    for part in _split_top_level(match[1]):
        name = part.split(":", 1)[0].split("=", 1)[0].strip()
        if name not in ("self", "*"):
            parameters.append((name, "=" in part))
    return parameters


def _members(node: ast.ClassDef) -> dict[str, ast.FunctionDef]:
    """Each member's first definition (a property's getter, not its setter)."""
    members: dict[str, ast.FunctionDef] = {}
    for item in node.body:
        if isinstance(item, ast.FunctionDef):
            members.setdefault(item.name, item)
    return members


def _is_property(node: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list)


def test_the_stub_names_every_public_function_and_class():
    stub = _stub()
    stubbed = {node.name for node in stub.body if isinstance(node, ast.FunctionDef | ast.ClassDef)}
    engine = {name for name in dir(_core) if not name.startswith("_")} - EXCEPTIONS
    assert engine - stubbed == set(), "in the engine module, not in _core.pyi"
    assert stubbed - engine == set(), "in _core.pyi, not in the engine module"


def _functions():
    return [node for node in _stub().body if isinstance(node, ast.FunctionDef)]


@pytest.mark.parametrize("node", _functions(), ids=lambda node: node.name)
def test_function_parameters_match(node):
    assert _stub_parameters(node) == _engine_parameters(getattr(_core, node.name))


def _classes():
    return [node for node in _stub().body if isinstance(node, ast.ClassDef)]


@pytest.mark.parametrize("node", _classes(), ids=lambda node: node.name)
def test_class_members_match(node):
    engine_class = getattr(_core, node.name)
    members = _members(node)
    engine = {
        name
        for name, value in vars(engine_class).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    }
    assert engine == set(members) - {"__init__"}, node.name
    for name, member in members.items():
        if name == "__init__":
            continue
        value = vars(engine_class)[name]
        if _is_property(member):
            assert isinstance(value, property), f"{node.name}.{name} is not a property"
        else:
            assert not isinstance(value, property), f"{node.name}.{name} is a property"
            function = getattr(engine_class, name)
            assert _stub_parameters(member) == _engine_parameters(function), f"{node.name}.{name}"
