"""Writing output files: a path that cannot be written is a user error (one line), not a
traceback."""

from __future__ import annotations

from pathlib import Path

from survtrial._errors import InputError


def _fail(path: Path, what: str, exc: OSError) -> InputError:
    reason = exc.strerror or type(exc).__name__
    return InputError(f"{what}: cannot write {path}: {reason}")


def output_dir(path: str | Path, what: str = "--out") -> Path:
    """Create the output folder (and parents); refuse one that cannot be made or written."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".survtrial-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise _fail(path, what, exc) from None
    return path


def write_text(path: str | Path, text: str, what: str) -> Path:
    path = Path(path)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _fail(path, what, exc) from None
    return path


def write_bytes(path: str | Path, data: bytes, what: str) -> Path:
    path = Path(path)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise _fail(path, what, exc) from None
    return path
