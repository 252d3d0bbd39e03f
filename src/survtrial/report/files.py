"""Writing output files: a path that cannot be written is a one-line :class:`InputError`.

Every command's output options (``--json``, ``--csv``, ``--out``) write through these helpers,
so that an unwritable path (a missing folder, ``/proc``, no permission) reaches the user as
``error: --json: cannot write /nonexistent/d.json: No such file or directory`` with exit
status 2, never a traceback. ``what`` names the option or field the path came from.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from survtrial._errors import InputError


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def make_dir(path: str | os.PathLike[str], what: str) -> Path:
    """Create the folder ``path`` (and its parents) if it does not exist; return it."""
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{what}: cannot create the folder {p}: {_reason(exc)}") from None
    return p


def _missing_dirs(path: str | os.PathLike[str]) -> list[Path]:
    """The folders of ``path`` that do not exist yet, deepest first: those :func:`make_dir`
    would create."""
    out = []
    p = Path(path).absolute()
    while not p.exists() and p != p.parent:
        out.append(p)
        p = p.parent
    return out


@contextlib.contextmanager
def output_folder(path: str | os.PathLike[str], what: str = "--out") -> Iterator[Path]:
    """:func:`output_dir` for a command that makes its folder before its work (so that a bad
    ``--out`` fails at once) and writes its files inside the block: if the work fails (an
    error, a Ctrl-C), the files it added to the folder are removed, then the folder and the
    parents made for it if they are empty. Files that were there before stay (a file of the
    same name rewritten by the work too)."""
    created = _missing_dirs(path)
    folder = output_dir(path, what)
    before = {p.name for p in folder.iterdir()}
    try:
        yield folder
    except BaseException:
        _remove_files(folder, sorted(p.name for p in folder.iterdir() if p.name not in before))
        _remove_empty_dirs(created)
        raise


def _remove_empty_dirs(dirs: list[Path]) -> None:
    """Remove the folders ``dirs`` (deepest first) while they are empty: what a failed command
    created and left unused."""
    for d in dirs:
        try:
            d.rmdir()
        except OSError:  # not empty, or gone: leave it and those above it
            return


def _remove_files(folder: str | os.PathLike[str], names: list[str]) -> None:
    """Remove the files ``names`` from ``folder`` where they are (what an interrupted command
    had written); a file that cannot be removed, or a folder, is left."""
    for name in names:
        with contextlib.suppress(OSError):
            (Path(folder) / name).unlink(missing_ok=True)


def write_text(path: str | os.PathLike[str], text: str, what: str) -> Path:
    """Write ``text`` to ``path`` in UTF-8, line endings as given (no translation)."""
    p = Path(path)
    try:
        with open(p, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as exc:
        raise InputError(f"{what}: cannot write {p}: {_reason(exc)}") from None
    return p


def write_bytes(path: str | os.PathLike[str], data: bytes, what: str) -> Path:
    """Write ``data`` to ``path``."""
    p = Path(path)
    try:
        p.write_bytes(data)
    except OSError as exc:
        raise InputError(f"{what}: cannot write {p}: {_reason(exc)}") from None
    return p



def output_dir(path: str | os.PathLike[str], what: str = "--out") -> Path:
    """Create the output folder and check that files can be written in it, before any work."""
    p = make_dir(path, what)
    probe = p / ".survtrial-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(f"{what}: cannot write in {p}: {_reason(exc)}") from None
    return p


__all__ = ["make_dir", "output_dir", "output_folder", "write_bytes", "write_text"]
