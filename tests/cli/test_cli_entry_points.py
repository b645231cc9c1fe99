"""The command as users run it: the installed console script, ``python -m``, and the help texts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from weightspec.cli.main import EPILOG as main_epilog
from weightspec.cli.main import build_parser, subcommands


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


def test_a_closed_stdout_keeps_the_verdict(packed_example, make_zip):
    """`weightspec validate good.dduf many.dduf | head -1` exits 1, the verdict, quietly."""
    many = make_zip("many.dduf", extra={f"stray/file-{number}.bin": b"" for number in range(2000)})
    command = [sys.executable, "-m", "weightspec.cli", "validate", str(packed_example), str(many)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout.readline() == f"{packed_example}: valid\n".encode()
        process.stdout.close()  # the findings fill far more than a pipe buffer (64 KiB)
        errors = process.stderr.read()
        assert process.wait(timeout=120) == 1
    assert errors == b"hint: weightspec explain DDUF-NAME-007 says what a requirement means and why\n"


@pytest.mark.parametrize(
    ("argv", "code"),
    [(["inspect", "--json"], 0), (["validate"], 0), (["--help"], 0), (["validate", "--no-such-option"], 2)],
)
def test_a_reader_gone_before_the_output_changes_nothing(packed_example, argv, code):
    """`weightspec inspect --json a.dduf | true`: the exit code is the command's, with nothing on stderr."""
    command = [sys.executable, "-m", "weightspec.cli", *argv, str(packed_example)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        process.stdout.close()  # before the interpreter has even started
        errors = process.stderr.read()
        assert process.wait(timeout=120) == code
    assert b"Traceback" not in errors and b"Exception ignored" not in errors


def test_version_is_the_installed_distribution_s_as_the_parser_prints_it(cli, capsys):
    from importlib.metadata import version

    result = cli("--version")
    assert result.code == 0
    assert result.out == f"weightspec {version('weightspec')}\n"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--version"])
    assert capsys.readouterr().out == result.out


# Imported only when a command runs that needs them (or, for jsonschema, when an index the fast
# check cannot pass is judged against its schema).
NOT_AT_START = ("jsonschema", "tqdm", "torch", "importlib.metadata", "weightspec.reference.dduf.writer")


def imported_after(code: str) -> set[str]:
    program = f"import sys\n{code}\nprint(' '.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_starting_the_command_imports_no_subcommand_s_work():
    modules = imported_after("import weightspec.cli.main")
    assert modules.isdisjoint(NOT_AT_START)
    assert not any(module.startswith("weightspec.reference") for module in modules)
    parsed = imported_after(
        "from weightspec.cli.main import build_parser\nbuild_parser().parse_args(['validate', 'x'])"
    )
    assert parsed.isdisjoint(NOT_AT_START)
    assert not any(module.startswith("weightspec.reference") for module in parsed)


def test_version_imports_neither_argparse_nor_the_subcommands():
    modules = imported_after("from weightspec.cli.main import main\nassert main(['--version']) == 0")
    assert modules.isdisjoint({"argparse", "typing", "weightspec.cli.validate", *NOT_AT_START})


def test_validating_a_dduf_archive_imports_neither_jsonschema_nor_the_writer_nor_the_checkpoints(
    packed_example,
):
    modules = imported_after(
        f"from weightspec.cli.main import main\nassert main(['validate', {str(packed_example)!r}]) == 0"
    )
    assert modules.isdisjoint(NOT_AT_START)
    assert "weightspec.reference.dduf.reader" in modules
    assert not any(module.startswith("weightspec.reference.sharding") for module in modules)


def help_examples(epilog: str) -> list[str]:
    """The command lines of a help text's ``example:`` or ``examples:`` block."""
    block = re.search(r"^examples?:\n((?:  .+\n?)+)", epilog, re.MULTILINE)
    assert block, epilog
    return [line.strip() for line in block.group(1).splitlines()]


HELPS = {"weightspec": main_epilog, **{module.NAME: module.EPILOG for module in subcommands()}}


@pytest.mark.parametrize("command", list(HELPS))
def test_every_help_example_works_on_the_example_pipeline(tmp_path, example, command):
    """Each example of a help text runs, in order, from a folder holding the repository's examples/.

    The conformance command's first example only: its others run the whole suite.
    """
    scripts = Path(sys.executable).parent
    if not (scripts / "weightspec").exists():
        pytest.skip(f"the console script is not installed in {scripts}")
    examples = help_examples(HELPS[command])
    if command == "conformance":
        examples = examples[:1]
    (tmp_path / "examples").symlink_to(example.parent)
    environment = {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ['PATH']}"}
    for example in examples:
        result = subprocess.run(
            ["bash", "-o", "pipefail", "-c", example],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"{example}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"


@pytest.mark.parametrize("subcommand", [module.NAME for module in subcommands()])
def test_each_subcommand_help_shows_an_example_and_exit_codes(cli, subcommand):
    result = cli(subcommand, "--help")
    assert result.code == 0
    assert f"usage: weightspec {subcommand}" in result.out
    assert "exit codes:" in result.out
    assert re.search(rf"examples?:\n(  .*\n)*  .*weightspec {subcommand}\b", result.out)


def test_no_subcommand_is_a_usage_error(cli):
    result = cli()
    assert result.code == 2
    assert "usage: weightspec" in result.err


def test_unknown_option_is_a_usage_error(cli, packed_example):
    result = cli("validate", "--no-such-option", packed_example)
    assert result.code == 2
    assert "unrecognized arguments: --no-such-option" in result.err
