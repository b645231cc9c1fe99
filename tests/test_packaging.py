"""The built wheel installs into a fresh virtual environment and works without the repository.

Checks that spec files ship as package data (loaded through importlib.resources), that the
console script exists, and that a validation runs from the installed wheel alone.
"""

import json
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the tree.

    setuptools writes build/ and weightspec.egg-info/ into the tree it builds; under xdist each
    worker builds its own wheel, and two builds in the one repository collided (about one run
    in six failed), so each builds its own copy.
    """
    source = tmp_path_factory.mktemp("source") / "weightspec"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__"),
    )
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel_file,) = out.glob("weightspec-*.whl")
    return wheel_file


def test_wheel_holds_the_spec_and_every_part(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "weightspec/spec/dduf.md",
        "weightspec/spec/requirements.json",
        "weightspec/spec/schemas/model_index.schema.json",
        "weightspec/reference/dduf/names.py",
        "weightspec/reference/dduf/zip/entries.py",
        "weightspec/reference/safetensors/header.py",
        "weightspec/cli/main.py",
    ):
        assert expected in names
    assert not any(name.startswith(("reference/", "conformance/", "spec/")) for name in names), (
        "bare top-level parts"
    )


@pytest.mark.slow
def test_installed_wheel_runs_help_and_a_validation(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    weightspec = env_dir / "bin" / "weightspec"

    help_run = subprocess.run([weightspec, "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert help_run.returncode == 0 and "validate" in help_run.stdout

    archive = tmp_path / "tiny.dduf"
    pack = subprocess.run(
        [weightspec, "pack", ROOT / "examples" / "tiny-pipeline", archive],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert pack.returncode == 0, pack.stderr
    validate = subprocess.run(
        [weightspec, "validate", "--deep", "--json", archive], capture_output=True, text=True, cwd=tmp_path
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert json.loads(validate.stdout)["valid"] is True

    count = subprocess.run(
        [python, "-c", "from weightspec import spec; print(len(spec.requirements()))"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert int(count.stdout) > 50

    # The main job from the wheel alone, without torch: the DDUF suite runs against the reference,
    # with the shipped expectation files and explain's traceability table.
    suite = subprocess.run(
        [weightspec, "conformance", "-k", "valid-minimal-pipeline"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-3000:]
    assert "verdict: every implementation behaves as its expectations say" in suite.stdout
    explain = subprocess.run(
        [weightspec, "explain", "DDUF-ZIP-007"], capture_output=True, text=True, cwd=tmp_path
    )
    assert explain.returncode == 0 and "checked by" in explain.stdout, explain.stderr
