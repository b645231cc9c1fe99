"""The ``huggingface.js`` implementation: the npm package ``@huggingface/dduf`` run under Node.js
by the driver ``drivers/huggingface-js/driver.mjs``, through the subprocess protocol.

``huggingface_js(timeout)`` finds ``node`` (20 or newer, for ``fs.openAsBlob``), installs the
driver's locked dependencies with ``npm ci`` once into a cache folder (npm is needed only for
that), and returns a ``SubprocessAdapter`` running the driver there.

The cache folder is ``$WEIGHTSPEC_CACHE``, else ``$XDG_CACHE_HOME/weightspec``, else
``~/.cache/weightspec``; the install is ``huggingface-js-<hash>/`` in it, where the hash covers
package.json, package-lock.json and driver.mjs, so that an edited driver never runs stale. The
install is made in a temporary folder and renamed into place once ``npm ci`` succeeded and the
marker file is written: a killed install never leaves a folder that is taken for complete. A
lock file serializes installs of several processes (pytest-xdist workers) starting at once.

Errors: ``ImplementationUnavailable`` when node or npm is missing, node is too old, or
``npm ci`` fails (with npm's last lines of output).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from ..harness.adapter import DEFAULT_TIMEOUT
from ..harness.errors import ImplementationUnavailable
from .subprocess_driver import SubprocessAdapter

DRIVER_FILES = ("package.json", "package-lock.json", "driver.mjs")
INSTALLED_MARKER = ".weightspec-installed"  # written last, once npm ci succeeded
MINIMUM_NODE_MAJOR = 20  # fs.openAsBlob
NPM_CI = ("ci", "--ignore-scripts", "--no-audit", "--no-fund")
NPM_TIMEOUT = 600.0  # seconds for npm ci; it downloads two small packages
NODE_VERSION_TIMEOUT = 30.0
NPM_OUTPUT_LINES = 20  # lines of npm's output quoted when it fails
DROP_IT = "or drop --impl huggingface.js"


def huggingface_js(timeout: float = DEFAULT_TIMEOUT) -> SubprocessAdapter:
    """The adapter of ``@huggingface/dduf`` (capability ``dduf-read``); ``timeout`` bounds each call
    in seconds. The first call on a machine runs ``npm ci`` (network access to the npm registry)."""
    node = _program("node")
    _check_node_version(node)
    install = _installed_driver()
    return SubprocessAdapter([node, str(install / "driver.mjs")], timeout=timeout, cwd=install)


def cache_root() -> Path:
    """Where weightspec keeps what it installs: see the module docstring."""
    if os.environ.get("WEIGHTSPEC_CACHE"):
        return Path(os.environ["WEIGHTSPEC_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "weightspec"


def _installed_driver() -> Path:
    """The folder of the installed driver (its files and node_modules), installing it with npm
    if this version of the driver is not installed yet (npm is needed only then)."""
    sources = resources.files(__package__).joinpath("drivers", "huggingface-js")
    contents = {name: sources.joinpath(name).read_bytes() for name in DRIVER_FILES}
    digest = hashlib.sha256()
    for name, data in contents.items():
        digest.update(f"{name}\0{len(data)}\0".encode() + data)
    root = cache_root()
    install = root / f"huggingface-js-{digest.hexdigest()[:12]}"
    if (install / INSTALLED_MARKER).is_file():
        return install
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ImplementationUnavailable(
            f"cannot create the cache folder {root} for @huggingface/dduf: {error}; "
            f"set WEIGHTSPEC_CACHE to a writable folder {DROP_IT}"
        ) from None
    with _locked(root / f"{install.name}.lock"):
        if not (install / INSTALLED_MARKER).is_file():  # another process may have installed it meanwhile
            _install(_program("npm"), contents, install)
    return install


def _install(npm: str, contents: dict[str, bytes], install: Path) -> None:
    """Install the driver files and their dependencies at ``install``; the caller holds the lock."""
    for leftover in install.parent.glob(f"{install.name}.partial-*"):  # from an install that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{install.name}.partial-", dir=install.parent))
    try:
        for name, data in contents.items():
            (staging / name).write_bytes(data)
        _run_npm_ci(npm, staging)
        (staging / INSTALLED_MARKER).write_text("npm ci succeeded\n", encoding="utf-8")
        if install.exists():  # a folder without the marker: not ours to trust
            shutil.rmtree(install)
        staging.rename(install)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _run_npm_ci(npm: str, folder: Path) -> None:
    try:
        finished = subprocess.run(
            [npm, *NPM_CI],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=NPM_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ImplementationUnavailable(
            f"installing @huggingface/dduf: `npm {' '.join(NPM_CI)}` in {folder} did not finish within "
            f"{NPM_TIMEOUT:g} s; check the network access to the npm registry {DROP_IT}"
        ) from None
    if finished.returncode != 0:
        tail = "\n".join(finished.stdout.decode("utf-8", "replace").splitlines()[-NPM_OUTPUT_LINES:])
        raise ImplementationUnavailable(
            f"installing @huggingface/dduf: `npm {' '.join(NPM_CI)}` in {folder} exited with status "
            f"{finished.returncode}; fix what npm says (network, registry, proxy) {DROP_IT}\n"
            f"--- npm output (last lines) ---\n{tail}"
        )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created if needed) for the block."""
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ImplementationUnavailable(
            f"Node.js {MINIMUM_NODE_MAJOR} or newer is needed to run @huggingface/dduf: {name} was not found "
            f"on PATH; install it (apt-get install nodejs npm) {DROP_IT}"
        )
    return path


def _check_node_version(node: str) -> None:
    try:
        finished = subprocess.run(
            [node, "--version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=NODE_VERSION_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ImplementationUnavailable(
            f"`{node} --version` failed: {error}; check the Node.js install {DROP_IT}"
        ) from None
    reported = finished.stdout.decode("utf-8", "replace").strip()
    major = re.match(r"v(\d+)\.", reported)
    if major is None:
        raise ImplementationUnavailable(
            f"`{node} --version` said {reported!r} (status {finished.returncode}), not a Node.js version; "
            f"check the Node.js install {DROP_IT}"
        )
    if int(major.group(1)) < MINIMUM_NODE_MAJOR:
        raise ImplementationUnavailable(
            f"Node.js {MINIMUM_NODE_MAJOR} or newer is needed to run @huggingface/dduf (fs.openAsBlob), "
            f"but {node} is {reported}; install a newer Node.js {DROP_IT}"
        )
