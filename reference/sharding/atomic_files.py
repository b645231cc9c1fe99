"""Files written under temporary names in one directory, then renamed into place (SHARD-SAVE-004).

Use as a context manager::

    with StagedFiles(directory) as staged:
        staged.write("model-00001-of-00002.safetensors", lambda path: save_file(shard, path))
        ...
        staged.publish()          # os.replace every staged file onto its final name

A temporary file lives next to its final name (so the rename never crosses a filesystem), starts
with ``.`` and ends with ``.tmp``: no filename pattern can produce such a name, so an interrupted
save never leaves a file that a loader or a later save mistakes for part of a checkpoint. Leaving
the ``with`` block by an exception removes every temporary file not yet published.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable


class StagedFiles:
    """Temporary files in ``directory``, each waiting to be renamed onto its final name."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = os.fspath(directory)
        self._pending: dict[str, str] = {}  # final name -> temporary path

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.discard()

    @property
    def names(self) -> list[str]:
        """The final names of the files staged and not yet published, in staging order."""
        return list(self._pending)

    def write(self, name: str, writer: Callable[[str], object]) -> None:
        """Stage ``name``: call ``writer(temporary_path)``, which must create that file."""
        temporary = os.path.join(self.directory, f".{name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
        self._pending[name] = temporary
        writer(temporary)

    def publish(self) -> None:
        """Rename every staged file onto its final name, in staging order."""
        while self._pending:
            name, temporary = next(iter(self._pending.items()))
            os.replace(temporary, os.path.join(self.directory, name))
            del self._pending[name]

    def discard(self) -> None:
        """Remove every staged file not yet published (the writer may not have created it)."""
        for temporary in self._pending.values():
            try:
                os.remove(temporary)
            except FileNotFoundError:
                pass
        self._pending.clear()
