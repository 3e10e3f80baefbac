"""Running ``firebreak`` in-process, the way a test reads it: exit code, stdout, stderr."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot import cli

Run = Callable[..., tuple[int, str, str]]
"""``run("audit", "INC-1")`` → (exit code, stdout, stderr) of ``firebreak audit INC-1``."""


def runner(url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``firebreak`` against the database at ``url``, with the default policy.

    The environment is set at once, so a test may also call ``cli.main`` itself (to see an
    argument error's ``SystemExit``, say).
    """
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("FIREBREAK_CONFIG", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()  # what was printed before is not this command's
        code = cli.main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
