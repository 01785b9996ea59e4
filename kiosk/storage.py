"""A tinydb storage that survives power loss: every write replaces the file atomically.

tinydb's stock JSONStorage rewrites its file in place, so a crash mid-write leaves a
half-written file. Here each write goes to a temp file in the same folder, is fsynced,
and is renamed over the target; the folder is fsynced so the rename itself is durable.
A crash therefore leaves either the old file or the new one, plus at worst a stale temp
file (see `stale_temp_files`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

_TEMP_PREFIX = "."
_TEMP_SUFFIX = ".tmp"
_NOT_READ: Any = object()


def fsync_folder(folder: Path) -> None:
    """Make renames, creations and unlinks in `folder` durable."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that readers and crashes see the old or the new file,
    never a mix. The file gets mode 0600 (mkstemp's default)."""
    _replace(path, text)
    fsync_folder(path.parent)


def _replace(path: Path, text: str) -> None:
    """The part of `write_atomically` before the folder fsync. On OSError the target is
    untouched and the temp file is gone."""
    descriptor, temp_name = tempfile.mkstemp(
        prefix=f"{_TEMP_PREFIX}{path.name}.", suffix=_TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def stale_temp_files(folder: Path) -> list[Path]:
    """Temp files that `write_atomically` left behind when the process died mid-write."""
    return [path for path in folder.iterdir()
            if path.name.startswith(_TEMP_PREFIX) and path.name.endswith(_TEMP_SUFFIX)]


class AtomicJSONStorage(Storage):
    """A JSON file written with `write_atomically`, with the last data read or written
    kept in memory: tinydb reads the whole database before every write, and going to the
    disk for that would make each insert cost a parse of the whole file.

    A missing file reads as an empty database; the file is created by the first write.
    `read()` raises ValueError if the file is not valid JSON.
    """

    def __init__(self, path: str | os.PathLike[str]):
        super().__init__()
        self.path = Path(path)
        self._data: dict[str, dict[str, Any]] | None = _NOT_READ

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._data is _NOT_READ:
            self._data = self._load()
        # A shallow copy, because tinydb puts the updated table into the dict it read
        # before it writes: if that write fails, the cache must still match the file.
        return None if self._data is None else dict(self._data)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        _replace(self.path, json.dumps(data, separators=(",", ":")))
        # The file now holds `data` even if the folder fsync below fails.
        self._data = data
        fsync_folder(self.path.parent)

    def _load(self) -> dict[str, dict[str, Any]] | None:
        try:
            with self.path.open(encoding="utf-8") as file:
                return json.load(file)
        except FileNotFoundError:
            return None
