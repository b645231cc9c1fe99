"""Drivers of npm packages: a ``driver.mjs`` and its locked dependencies, installed once with
``npm ci`` into a cache folder and run under Node.js through the subprocess protocol.

A ``NodeDriver`` names the driver's folder (``drivers/<folder>/``, holding ``package.json``,
``package-lock.json`` and ``driver.mjs``), the npm package it runs and the implementation name
(both for error messages), and the oldest Node.js major version it runs on, with the reason.
``node_driver_adapter(driver, timeout)`` finds ``node`` and checks its version, installs the
driver if needed (npm is needed only then), and returns a ``SubprocessAdapter`` running
``driver.mjs`` in the install.

The cache folder is ``$WEIGHTSPEC_CACHE``, else ``$XDG_CACHE_HOME/weightspec``, else
``~/.cache/weightspec``; the install is ``<folder>-<hash>/`` in it, where the hash covers the
three driver files, so that an edited driver never runs stale. The install is made in a
temporary folder and renamed into place once ``npm ci`` succeeded and the marker file is
written: a killed install never leaves a folder that is taken for complete. A lock file
serializes installs of several processes (pytest-xdist workers) starting at once.

Errors: ``ImplementationUnavailable`` when node or npm is missing, node is too old, the cache
folder cannot be created, or ``npm ci`` fails (with npm's last lines of output); each message
says what to fix, or to drop the implementation.
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
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..harness.errors import ImplementationUnavailable
from .subprocess_driver import SubprocessAdapter

DRIVER_FILES = ("package.json", "package-lock.json", "driver.mjs")
INSTALLED_MARKER = ".weightspec-installed"  # written last, once npm ci succeeded
NPM_CI = ("ci", "--ignore-scripts", "--no-audit", "--no-fund")
NPM_TIMEOUT = 600.0  # seconds for npm ci; it downloads a few small packages
NODE_VERSION_TIMEOUT = 30.0
NPM_OUTPUT_LINES = 20  # lines of npm's output quoted when it fails


@dataclass(frozen=True)
class NodeDriver:
    """A driver of an npm package: ``drivers/<folder>/`` runs ``package`` as ``implementation``
    (its ``--impl`` name), on Node.js ``minimum_node`` or newer, which it needs for ``node_feature``."""

    folder: str
    package: str
    implementation: str
    minimum_node: int
    node_feature: str

    @property
    def drop_it(self) -> str:
        return f"or drop --impl {self.implementation}"


def node_driver_adapter(driver: NodeDriver, timeout: float) -> SubprocessAdapter:
    """The adapter running ``driver`` (see the module docstring); ``timeout`` bounds each call in
    seconds. The first call on a machine runs ``npm ci`` (network access to the npm registry)."""
    node = _program("node", driver)
    _check_node_version(node, driver)
    install = installed_driver(driver)
    return SubprocessAdapter([node, str(install / "driver.mjs")], timeout=timeout, cwd=install)


def cache_root() -> Path:
    """Where weightspec keeps what it installs: see the module docstring."""
    if os.environ.get("WEIGHTSPEC_CACHE"):
        return Path(os.environ["WEIGHTSPEC_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "weightspec"


def installed_driver(driver: NodeDriver) -> Path:
    """The folder of the installed driver (its files and node_modules), installing it with npm
    if this version of the driver is not installed yet (npm is needed only then)."""
    sources = resources.files(__package__).joinpath("drivers", driver.folder)
    contents = {name: sources.joinpath(name).read_bytes() for name in DRIVER_FILES}
    digest = hashlib.sha256()
    for name, data in contents.items():
        digest.update(f"{name}\0{len(data)}\0".encode() + data)
    root = cache_root()
    install = root / f"{driver.folder}-{digest.hexdigest()[:12]}"
    if (install / INSTALLED_MARKER).is_file():
        return install
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ImplementationUnavailable(
            f"cannot create the cache folder {root} for {driver.package}: {error}; "
            f"set WEIGHTSPEC_CACHE to a writable folder {driver.drop_it}"
        ) from None
    with _locked(root / f"{install.name}.lock"):
        if not (install / INSTALLED_MARKER).is_file():  # another process may have installed it meanwhile
            _install(_program("npm", driver), contents, install, driver)
    return install


def _install(npm: str, contents: dict[str, bytes], install: Path, driver: NodeDriver) -> None:
    """Install the driver files and their dependencies at ``install``; the caller holds the lock."""
    for leftover in install.parent.glob(f"{install.name}.partial-*"):  # from an install that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{install.name}.partial-", dir=install.parent))
    try:
        for name, data in contents.items():
            (staging / name).write_bytes(data)
        _run_npm_ci(npm, staging, driver)
        (staging / INSTALLED_MARKER).write_text("npm ci succeeded\n", encoding="utf-8")
        if install.exists():  # a folder without the marker: not ours to trust
            shutil.rmtree(install)
        staging.rename(install)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _run_npm_ci(npm: str, folder: Path, driver: NodeDriver) -> None:
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
            f"installing {driver.package}: `npm {' '.join(NPM_CI)}` in {folder} did not finish within "
            f"{NPM_TIMEOUT:g} s; check the network access to the npm registry {driver.drop_it}"
        ) from None
    if finished.returncode != 0:
        tail = "\n".join(finished.stdout.decode("utf-8", "replace").splitlines()[-NPM_OUTPUT_LINES:])
        raise ImplementationUnavailable(
            f"installing {driver.package}: `npm {' '.join(NPM_CI)}` in {folder} exited with status "
            f"{finished.returncode}; fix what npm says (network, registry, proxy) {driver.drop_it}\n"
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


def _program(name: str, driver: NodeDriver) -> str:
    path = shutil.which(name)
    if path is None:
        raise ImplementationUnavailable(
            f"Node.js {driver.minimum_node} or newer is needed to run {driver.package}: {name} was not "
            f"found on PATH; install it (apt-get install nodejs npm) {driver.drop_it}"
        )
    return path


def _check_node_version(node: str, driver: NodeDriver) -> None:
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
            f"`{node} --version` failed: {error}; check the Node.js install {driver.drop_it}"
        ) from None
    reported = finished.stdout.decode("utf-8", "replace").strip()
    major = re.match(r"v(\d+)\.", reported)
    if major is None:
        raise ImplementationUnavailable(
            f"`{node} --version` said {reported!r} (status {finished.returncode}), not a Node.js version; "
            f"check the Node.js install {driver.drop_it}"
        )
    if int(major.group(1)) < driver.minimum_node:
        raise ImplementationUnavailable(
            f"Node.js {driver.minimum_node} or newer is needed to run {driver.package} "
            f"({driver.node_feature}), but {node} is {reported}; install a newer Node.js {driver.drop_it}"
        )
