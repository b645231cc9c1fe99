"""examples/tiny-pipeline is exactly what examples/make_tiny_pipeline.py writes, and stays small."""

from __future__ import annotations

import subprocess
import sys


def test_script_reproduces_the_committed_folder_byte_for_byte(tmp_path, example, example_files):
    script = example.parent / "make_tiny_pipeline.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, timeout=120)
    written = {
        path.relative_to(tmp_path).as_posix(): path.read_bytes()
        for path in tmp_path.rglob("*")
        if path.is_file()
    }
    assert written == example_files


def test_example_is_small_and_has_the_pipeline_layout(example_files):
    assert sum(len(data) for data in example_files.values()) < 100_000
    assert {"model_index.json", "scheduler/scheduler_config.json", "text_encoder/config.json"} <= set(
        example_files
    )
    assert "text_encoder/model.safetensors" in example_files
