"""Regenerate, or check, the oracle's parser from the formal layout.

``python -m weightspec.conformance.oracle.regenerate [--check]`` compiles ``spec/dduf.ksy`` to
Python with the Kaitai Struct compiler pinned in ``spec/tools/package-lock.json``: ``npm ci``
installs it into a temporary folder (npm keeps the packages it downloads in its own cache), and
Node.js runs ``spec/tools/compile-ksy.mjs`` there. The compiler's output is written, byte for
byte, to ``dduf_layout.py`` beside this module. With ``--check`` nothing is written, and the
exit status is 1 when the committed module differs from the fresh compile (it is stale).

``compile_layout()`` raises ``CompileError`` when node or npm is missing (``missing_tools()``
names them), ``npm ci`` fails, or the description does not compile; ``main`` then prints its
message and exits with status 2.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

COMMAND = "python -m weightspec.conformance.oracle.regenerate"
GENERATED = Path(__file__).with_name("dduf_layout.py")
DESCRIPTION = "dduf.ksy"
TOOLS = ("package.json", "package-lock.json", "compile-ksy.mjs")  # under spec/tools/
NPM_CI = ("ci", "--ignore-scripts", "--no-audit", "--no-fund")
TIMEOUT = 600.0  # seconds for npm ci (it downloads two small packages) and for the compile


class CompileError(Exception):
    """The formal layout could not be compiled here; the message says why and what to fix."""


def missing_tools() -> list[str]:
    """The programs that compiling needs and PATH lacks: a sublist of ``["node", "npm"]``."""
    return [name for name in ("node", "npm") if shutil.which(name) is None]


def compile_layout() -> bytes:
    """The Python module the pinned compiler makes of ``spec/dduf.ksy``, as bytes."""
    missing = missing_tools()
    if missing:
        raise CompileError(
            f"compiling spec/{DESCRIPTION} needs Node.js and npm, but {' and '.join(missing)} "
            "cannot be found on PATH; install them (apt-get install nodejs npm)"
        )
    spec = resources.files("weightspec.spec")
    with tempfile.TemporaryDirectory(prefix="weightspec-compile-ksy-") as folder:
        work = Path(folder)
        for name in TOOLS:
            (work / name).write_bytes(spec.joinpath("tools", name).read_bytes())
        (work / DESCRIPTION).write_bytes(spec.joinpath(DESCRIPTION).read_bytes())
        _run([shutil.which("npm"), *NPM_CI], work, "npm " + " ".join(NPM_CI))
        return _run([shutil.which("node"), "compile-ksy.mjs", DESCRIPTION], work, "compile-ksy.mjs")


def _run(command: list[str], folder: Path, label: str) -> bytes:
    """``command``'s standard output, run in ``folder``; ``CompileError`` unless it exits 0."""
    try:
        finished = subprocess.run(
            command, cwd=folder, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise CompileError(f"`{label}` did not finish within {TIMEOUT:g} s") from None
    if finished.returncode != 0:
        output = (finished.stdout + finished.stderr).decode("utf-8", "replace").strip()
        raise CompileError(f"`{label}` exited with status {finished.returncode}:\n{output}")
    return finished.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=f"Regenerate {GENERATED.name} (the DDUF layout oracle's parser) from spec/{DESCRIPTION}.",
        epilog=f"example: {COMMAND} --check",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when the committed parser is stale"
    )
    args = parser.parse_args(argv)
    try:
        fresh = compile_layout()
    except CompileError as error:
        print(error, file=sys.stderr)
        return 2
    if not args.check:
        GENERATED.write_bytes(fresh)
        return 0
    if not GENERATED.is_file() or GENERATED.read_bytes() != fresh:
        print(f"{GENERATED} is not what spec/{DESCRIPTION} compiles to: run {COMMAND}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
