"""The README's library snippet runs as written, from a folder that has the repository's examples."""

from __future__ import annotations

import os
import re
from pathlib import Path

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
