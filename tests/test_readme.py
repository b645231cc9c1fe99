"""The README's library snippet runs as written, from a folder that has the repository's examples;
what it and the command's help examples write leaves a checkout clean; its environments are tox's."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_library_snippet_runs_on_the_example_pipeline(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"## The library\n\n```python\n(.*?)```", readme, re.DOTALL).group(1)
    os.symlink(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    assert namespace["tensors"], "the snippet loaded no tensor"
    assert (tmp_path / "pipeline.dduf").is_file()


def test_what_the_readme_and_the_help_examples_write_leaves_the_checkout_clean():
    """The archives the library snippet and the help examples write into the checkout are ignored by git."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    from weightspec.cli.main import EPILOG, subcommands

    texts = [
        (ROOT / "README.md").read_text(encoding="utf-8"),
        EPILOG,
        *(module.EPILOG for module in subcommands()),
    ]
    written = sorted({name for text in texts for name in re.findall(r"[\w.-]+\.dduf\b", text)})
    assert {"pipeline.dduf", "tiny.dduf"} <= set(written)
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *written], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert sorted(ignored.stdout.split()) == written


def test_every_tox_environment_is_in_the_readme():
    tox = (ROOT / "tox.ini").read_text(encoding="utf-8")
    environments = {"py", *re.findall(r"^\[testenv:([\w.-]+)\]", tox, re.MULTILINE)}
    block = re.search(
        r"## Other environments\n\n```bash\n(.*?)```",
        (ROOT / "README.md").read_text(encoding="utf-8"),
        re.DOTALL,
    )
    listed = set(re.findall(r"^tox -e ([\w.-]+)", block.group(1), re.MULTILINE))
    assert environments == listed
