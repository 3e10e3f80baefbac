"""``firebreak export`` and ``firebreak audit`` at the edges: stdout, bad arguments, failures."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot import cli, cli_records
from storage.database import create_database_engine, create_session_factory
from tests.support.cli import Run
from tests.support.history import MONDAY, add_incident
from workflows import exports


@pytest.fixture
def run(database_url: str, run_cli: Run) -> Run:
    """``firebreak`` on a database holding one incident, INC-1."""
    engine = create_database_engine(database_url)
    with create_session_factory(engine).begin() as session:
        add_incident(session, declared_at=MONDAY, title="Größe 42 — counterfeit")
    engine.dispose()
    return run_cli


def test_export_goes_to_stdout_by_default(run: Run, database_url: str) -> None:
    code, out, err = run("export", "incidents")

    engine = create_database_engine(database_url)
    expected = io.StringIO()
    with create_session_factory(engine)() as session:
        exports.export(session, exports.ExportQuery("incidents"), "commander", expected)
    engine.dispose()
    assert (code, err) == (0, "")
    assert out == expected.getvalue()
    assert "Größe 42 — counterfeit" in out
    header, row = out.splitlines()
    assert header.startswith("reference,title,description,domain,severity,")
    assert row.startswith("INC-1,Größe 42 — counterfeit,,counterfeit,sev2,investigating,")


def test_excel_puts_a_byte_order_mark_before_the_header(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "incidents.csv"

    assert run("export", "incidents", "--excel", "--out", str(out))[0] == 0

    assert out.read_bytes().startswith(b"\xef\xbb\xbfreference,title,")
    _header, row = out.read_text(encoding="utf-8-sig").splitlines()
    assert row.startswith("INC-1,Größe 42 — counterfeit,")


def test_excel_is_for_csv_only(run: Run) -> None:
    code, out, err = run("export", "timeline", "--format", "jsonl", "--excel")

    assert (code, out) == (2, "")
    assert err == "firebreak: --excel applies to --format csv only\n"


def test_bounds_in_the_wrong_order_are_refused(run: Run) -> None:
    code, _out, err = run("export", "timeline", "--since", "2026-11-20", "--until", "2026-11-01")

    assert code == 2
    assert "must be before the end" in err


def test_an_unreadable_bound_is_an_argument_error(
    run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["export", "timeline", "--since", "last tuesday"])

    assert exited.value.code == 2
    assert "argument --since: last tuesday is not a date or time" in capsys.readouterr().err


def test_an_unknown_kind_is_an_argument_error(run: Run, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["export", "reminders"])

    assert "invalid choice: 'reminders'" in capsys.readouterr().err


def test_an_unwritable_out_fails_cleanly(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "timeline.csv"

    code, _out, err = run("export", "timeline", "--out", str(target))

    assert code == 2
    assert err.startswith(f"firebreak: could not write {target}:")
    assert not target.parent.exists()


def test_a_failed_export_leaves_no_partial_file(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_then_fail(session: Any, query: Any, owner_role: str, sink: Any, **_: Any) -> int:
        sink.write("reference,title\n")
        raise RuntimeError("the database went away")

    monkeypatch.setattr(cli_records, "export", half_then_fail)
    folder = tmp_path / "exports"
    folder.mkdir()

    with pytest.raises(RuntimeError):
        run("export", "incidents", "--out", str(folder / "incidents.csv"))

    assert list(folder.iterdir()) == []


def test_an_unmigrated_database_is_a_clear_failure(
    tmp_path: Path, cli_on: Callable[[str], Run]
) -> None:
    run = cli_on(f"sqlite:///{tmp_path / 'empty.db'}")

    for argv in (("export", "incidents"), ("audit", "INC-1")):
        code, _out, err = run(*argv)
        assert code == 2
        assert err.startswith("firebreak: could not read the database at DATABASE_URL:")


def test_audit_takes_a_reference_or_refuses_it(run: Run) -> None:
    code, out, _err = run("audit", "inc1")
    assert code == 0
    assert out.startswith("2026-11-16 09:00:00Z  U0ALICE  system  declared  ")

    code, out, err = run("audit", "forty-two")
    assert (code, out) == (2, "")
    assert "not an incident reference" in err
