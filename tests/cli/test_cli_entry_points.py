"""The command as users run it: the installed console script, ``python -m``, and the help texts."""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from weightspec.cli.main import SUBCOMMANDS


def run(*command: object) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=120)


def test_console_script_shows_help():
    script = Path(sysconfig.get_path("scripts")) / "weightspec"
    if not script.exists():
        pytest.skip(f"the console script is not installed in {script.parent}")
    result = run(script, "--help")
    assert result.returncode == 0
    for command in ("validate", "inspect", "pack", "conformance", "explain"):
        assert command in result.stdout
    assert "exit codes" in result.stdout


def test_python_m_validate_reports_findings_without_traceback(tmp_path, packed_example, make_zip):
    broken = make_zip("broken.dduf", extra={"../config.json": b"{}"})
    result = run(
        sys.executable, "-m", "weightspec.cli", "validate", packed_example, broken, tmp_path / "missing.dduf"
    )
    assert result.returncode == 2
    assert f"{packed_example}: valid" in result.stdout
    assert any(
        line.startswith(f"DDUF-NAME-003 {broken} [../config.json]") for line in result.stdout.splitlines()
    )
    assert result.stderr == (
        f"weightspec: error: {tmp_path / 'missing.dduf'}: no such file or directory\n"
        "hint: weightspec explain DDUF-NAME-003 says what a requirement means and why\n"
    )


def test_python_m_validate_exit_1_for_invalid_archive(make_zip):
    result = run(
        sys.executable,
        "-m",
        "weightspec.cli",
        "validate",
        make_zip("broken.dduf", extra={"../x.json": b"{}"}),
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_closed_stdout_ends_quietly(make_zip):
    """`weightspec validate many.dduf | head -1`: no traceback when the reader stops early."""
    many = make_zip("many.dduf", extra={f"stray/file-{number}.bin": b"" for number in range(2000)})
    command = [sys.executable, "-m", "weightspec.cli", "validate", str(many)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout.readline().startswith(b"DDUF-")
        process.stdout.close()  # the findings fill far more than a pipe buffer (64 KiB)
        errors = process.stderr.read()
        assert process.wait(timeout=120) == 2
    assert errors == b""


@pytest.mark.parametrize("subcommand", [module.NAME for module in SUBCOMMANDS])
def test_each_subcommand_help_shows_an_example_and_exit_codes(cli, subcommand):
    result = cli(subcommand, "--help")
    assert result.code == 0
    assert f"usage: weightspec {subcommand}" in result.out
    assert "exit codes:" in result.out
    assert re.search(rf"examples?:\n  weightspec {subcommand}\b", result.out)


def test_no_subcommand_is_a_usage_error(cli):
    result = cli()
    assert result.code == 2
    assert "usage: weightspec" in result.err


def test_unknown_option_is_a_usage_error(cli, packed_example):
    result = cli("validate", "--no-such-option", packed_example)
    assert result.code == 2
    assert "unrecognized arguments: --no-such-option" in result.err
