"""SQL only through bound parameters: no string-built SQL anywhere in Firebreak's code.

The source is read as a syntax tree, not with a regex: every ``text()``,
``exec_driver_sql()``, ``execute()``, ``DDL()`` and ``literal_column()`` whose SQL is an
f-string, ``%``-formatted, concatenated or ``.format()``-ed (directly or through a name
bound to such a string in the same module) fails the test. Values belong in bound
parameters (``text("… :name").bindparams(name=…)``, or SQLAlchemy's expression language).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "commands", "workflows", "storage")
"""Code that runs in production; tests and benchmarks build throwaway databases by name."""

SQL_CALLS = frozenset(
    {"text", "exec_driver_sql", "execute", "executemany", "DDL", "literal_column"}
)

ALLOWED: dict[tuple[str, str], str] = {}
"""(file, SQL argument) pairs that may be built from strings, each with its reason. Empty:
the migrations' trigger DDL interpolates only string constants, which is not flagged."""


def _bindings(tree: ast.Module) -> dict[str, list[ast.expr]]:
    """Every expression each name is bound to anywhere in the module (assignments, loops)."""
    found: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
            targets, value = [node.target], node.value
            if isinstance(node, ast.AugAssign):
                value = ast.BinOp(left=node.target, op=node.op, right=node.value)
        elif isinstance(node, ast.For | ast.comprehension):
            targets, value = [node.target], ast.Starred(value=node.iter)
        for target in targets:
            if isinstance(target, ast.Name) and value is not None:
                found.setdefault(target.id, []).append(value)
    return found


def _constant(node: ast.expr, bindings: dict[str, list[ast.expr]]) -> bool:
    """A name only ever bound to a string literal (a module constant): no outside data."""
    values = bindings.get(node.id, []) if isinstance(node, ast.Name) else []
    return bool(values) and all(
        isinstance(v, ast.Constant) and isinstance(v.value, str) for v in values
    )


def _built(node: ast.expr, bindings: dict[str, list[ast.expr]], seen: frozenset[str]) -> bool:
    """Whether ``node`` is (or may evaluate to) a string assembled at run time."""
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(part, ast.FormattedValue) and not _constant(part.value, bindings)
            for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("format", "join", "replace")
    if isinstance(node, ast.Starred):  # a loop variable: any element of what is looped over
        return _built(node.value, bindings, seen)
    if isinstance(node, ast.IfExp):
        return _built(node.body, bindings, seen) or _built(node.orelse, bindings, seen)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_built(element, bindings, seen) for element in node.elts)
    if isinstance(node, ast.Name) and node.id not in seen:
        return any(_built(v, bindings, seen | {node.id}) for v in bindings.get(node.id, []))
    return False


def string_built_sql(source: str) -> Iterator[tuple[int, str]]:
    """(line, argument) of each SQL call in ``source`` whose SQL is assembled from strings."""
    tree = ast.parse(source)
    bindings = _bindings(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in SQL_CALLS and _built(node.args[0], bindings, frozenset()):
            yield node.lineno, ast.unparse(node.args[0])


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_no_sql_is_built_from_strings() -> None:
    found = []
    for path in _sources():
        relative = path.relative_to(ROOT).as_posix()
        for line, argument in string_built_sql(path.read_text(encoding="utf-8")):
            if (relative, argument) not in ALLOWED:
                found.append(f"{relative}:{line}: {argument}")
    assert found == [], "SQL built from strings; use bound parameters:\n" + "\n".join(found)


def test_every_allowance_is_still_needed() -> None:
    """An allowance for code that changed would silently excuse whatever comes next."""
    for relative, argument in ALLOWED:
        source = (ROOT / relative).read_text(encoding="utf-8")
        assert argument in [a for _, a in string_built_sql(source)], (relative, argument)


@pytest.mark.parametrize(
    "source",
    [
        "session.execute(text(f'SELECT * FROM incidents WHERE title = {title}'))",
        "connection.exec_driver_sql('DELETE FROM t WHERE id = %s' % number)",
        "session.execute(text('SELECT * FROM t WHERE a = ' + value))",
        "session.execute(text('SELECT {}'.format(value)))",
        "query = f'SELECT {column} FROM t'\nsession.execute(text(query))",
        "for q in (f'DROP TABLE {name}',):\n    op.execute(q)",
        "sql = 'SELECT 1'\nsql += where\nconnection.execute(text(sql))",
        "NAME = 'a'\nNAME = input()\nop.execute(f'DROP TABLE {NAME}')",
    ],
)
def test_string_built_sql_is_found(source: str) -> None:
    assert list(string_built_sql(source)) != []


@pytest.mark.parametrize(
    "source",
    [
        "connection.execute(text('SELECT 1'))",
        "session.execute(text('SELECT * FROM t WHERE a = :a').bindparams(a=value))",
        "session.execute(select(Incident).where(Incident.title == title))",
        "QUERY = 'SELECT 1'\nconnection.execute(text(QUERY))",
        "executor.submit(run, f'{job}')",
        "ERROR = 'append-only'\nop.execute(f\"SELECT RAISE(ABORT, '{ERROR}')\")",
    ],
)
def test_bound_parameters_pass(source: str) -> None:
    assert list(string_built_sql(source)) == []
