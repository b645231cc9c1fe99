"""Files written under a temporary name beside their destination, then renamed into place.

Both formats publish this way, with one naming scheme (``temporary_path``): a temporary file is
``.<name>.<pid>-<random>.tmp`` in the destination's directory (same directory, hence same
filesystem, so the rename never copies). The leading ``.`` and the ``.tmp`` suffix keep a leftover
from being taken for part of the result: no checkpoint filename pattern produces such a name, and
a pipeline folder's hidden files are never exported. A process that is killed cannot clean up: its
temporary files stay, and every destination is absent or unchanged.

- ``AtomicFile(destination)``: one file, written through its descriptor, that appears complete
  or not at all (DDUF-WRITE-005, the DDUF writer's archive);
- ``StagedFiles(directory)``: several files, each written by a callable given its temporary
  path, renamed in staging order on ``publish()`` (SHARD-SAVE-003, 004: a checkpoint's shards,
  then its index);
- ``link_beside(source, destination)``: a second name for an existing file, put in place
  atomically (SHARD-SAVE-012: an old shard kept under its side name while it is replaced).

Leaving the ``with`` block without publishing (an error, an exception from the caller,
KeyboardInterrupt) closes and deletes the temporary files; an existing destination is never
touched until ``publish()``.

Atomic is not durable by default: nothing is fsynced, so a power loss shortly after
``publish()`` may leave an empty or partial file on some filesystems (ext4 flushes on
rename-over-existing by itself). With ``fsync=True`` each file's data is flushed before its rename
and the directory after it, so a rename that survived a power loss names complete data, and the
renames reach the disk in the order they were made. The cost, measured by
``benchmarks/bench_durability.py``, is stated in spec/sharding.md (SHARD-SAVE-016).

Replacing an existing destination costs more than writing an absent one on ext4 (measured
for 1 GiB: about 1-2 s on top of 0.5 s): ``rename`` over a file makes ext4 write the new data
out first (``auto_da_alloc``), and the old file's blocks are freed. ``renameat2`` with
``RENAME_EXCHANGE`` would skip the first cost, but that flush is what keeps a power loss from
leaving an empty file where the old one was, so both keep ``os.replace``.

The temporary file is created with mode 0o666 minus the umask, like a file ``open()`` creates
(``tempfile.mkstemp`` would give 0o600, which the rename would carry to the destination).

Errors are the operating system's: ``FileExistsError`` when ``overwrite=False`` and the
destination exists, ``OSError`` otherwise. Callers translate them into their own errors.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

_CREATE_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def temporary_path(destination: Path) -> Path:
    """A fresh temporary name for ``destination``: ``.<name>.<pid>-<random>.tmp`` beside it.

    The process id says which process left a leftover; ``AtomicFile`` creates the file
    exclusively and draws another name on a clash.
    """
    return destination.with_name(f".{destination.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


class AtomicFile:
    """``with AtomicFile(path) as output: os.write(output.fd, ...); output.publish()``.

    Creating one creates the temporary file, like ``open()``; that raises ``OSError`` (and
    ``FileExistsError`` for an existing destination with ``overwrite=False``).
    """

    def __init__(
        self, destination: str | os.PathLike, *, overwrite: bool = True, fsync: bool = False
    ) -> None:
        self.destination = Path(destination)
        self.overwrite = overwrite
        self.fsync = fsync
        self.temporary: Path | None = None
        self.fd = -1
        if self.destination.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(self.destination))
        if not self.overwrite and os.path.lexists(self.destination):
            # Fail before any work; publish() checks again, atomically.
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(self.destination))
        while True:
            candidate = temporary_path(self.destination)
            try:
                self.fd = os.open(candidate, _CREATE_FLAGS, 0o666)
            except FileExistsError:
                continue
            self.temporary = candidate
            return

    def __enter__(self) -> AtomicFile:
        return self

    def publish(self) -> None:
        """Put the file at the destination.

        With ``overwrite=False`` the file is hard-linked to the destination, which fails with
        ``FileExistsError`` when the destination exists, even one created since this object was; a
        filesystem without hard links then fails with the ``OSError`` of ``os.link``. With
        ``fsync=True`` the data is flushed before the rename and the directory after it.
        """
        self.close()
        if self.fsync:
            sync_file(self.temporary)
        if self.overwrite:
            os.replace(self.temporary, self.destination)
        else:
            os.link(self.temporary, self.destination)
            os.unlink(self.temporary)
        self.temporary = None
        if self.fsync:
            sync_directory(self.destination.parent)

    def close(self) -> None:
        """Close the descriptor and keep the temporary file, for a writer that opens it by path."""
        if self.fd != -1:
            os.close(self.fd)
            self.fd = -1

    def discard(self) -> None:
        """Close the descriptor and delete the temporary file, unless it was published."""
        self.close()
        if self.temporary is not None:
            self.temporary.unlink(missing_ok=True)
            self.temporary = None

    def __exit__(self, *exc_info) -> None:
        self.discard()


class StagedFiles:
    """Files in ``directory``, each staged under a temporary name until ``publish()`` renames it.

    Use as a context manager::

        with StagedFiles(directory) as staged:
            staged.write("model-00001-of-00002.safetensors", lambda path: save_file(shard, path))
            ...
            staged.publish()          # os.replace every staged file onto its final name
    """

    def __init__(self, directory: str | os.PathLike, *, fsync: bool = False) -> None:
        self.directory = Path(directory)
        self.fsync = fsync
        self._pending: dict[str, AtomicFile] = {}  # final name -> its staged file

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.discard()

    @property
    def names(self) -> list[str]:
        """The final names of the files staged and not yet published, in staging order."""
        return list(self._pending)

    def write(self, name: str, writer: Callable[[str], object]) -> None:
        """Stage ``name``: create its temporary file, then call ``writer(temporary_path)`` to fill it."""
        staged = AtomicFile(self.directory / name, fsync=self.fsync)
        self._pending[name] = staged
        staged.close()
        writer(os.fspath(staged.temporary))

    def publish(self, *, renamed: Mapping[str, str] | None = None) -> None:
        """Rename every staged file onto its final name, in staging order.

        ``renamed`` maps a staged name to the name it is published under instead (a single
        weights file published under its side name first, SHARD-SAVE-013).
        """
        renamed = renamed or {}
        while self._pending:
            name, staged = next(iter(self._pending.items()))
            if name in renamed:
                staged.destination = self.directory / renamed[name]
            staged.publish()
            del self._pending[name]

    def discard(self) -> None:
        """Remove every staged file not yet published."""
        for staged in self._pending.values():
            staged.discard()
        self._pending.clear()


def link_beside(source: str | os.PathLike, destination: str | os.PathLike, *, fsync: bool = False) -> None:
    """Give the file ``source`` the second name ``destination`` (same directory), replacing it atomically.

    The link is made under a temporary name and renamed onto ``destination``, so a leftover of
    that name is replaced and a kill leaves at most a ``.tmp`` file. Where the filesystem has
    no hard links (``os.link`` fails), the file is copied instead. ``OSError`` otherwise.
    """
    destination = Path(destination)
    temporary = temporary_path(destination)
    try:
        os.link(source, temporary)
    except OSError:
        shutil.copyfile(source, temporary)
    try:
        if fsync:
            sync_file(temporary)
        os.replace(temporary, destination)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if fsync:
        sync_directory(destination.parent)


def sync_file(path: str | os.PathLike) -> None:
    """Flush the data of the file at ``path`` to the disk (``fsync``)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_directory(path: str | os.PathLike) -> None:
    """Flush a directory's entries (renames, links, removals) to the disk; a no-op where directories
    cannot be opened (Windows), whose filesystems commit renames through their journal."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
