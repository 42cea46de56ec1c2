"""Writing a changed source file without ever losing it.

Every write goes to a temporary file in the target's own folder (same file
system), which is flushed to disk and given the original's permissions (and,
where allowed, owner) before it is renamed over the original: at any moment the
path holds either the complete old text or the complete new one. When anything
fails, the temporary file is removed and the original is left as it was.

A write is refused (:class:`WriteRefused`, nothing touched) when it would go
through a symbolic link to a file outside the checked tree, through a dangling
link, to something that is not a regular file, to a read-only file, or to a
file that changed since it was read. Nothing is written when the content would
not change.
"""
from __future__ import annotations

import os
import stat
import tempfile
from typing import Optional


class WriteRefused(Exception):
    """The file was left untouched; the message says why."""


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def write_bytes_atomically(path: str, data: bytes, root: str = None, expected: Optional[bytes] = None) -> None:
    """Replace ``path`` with ``data``: write a temporary file in the same folder, then rename.

    Permissions (and, where the OS allows, owner and group) are kept. A symlink
    is never written through to a target outside ``root``; inside it, the target
    file is replaced, not the link. With ``expected``, the write is refused if
    the file no longer holds those bytes (it changed since it was read).
    """
    real = os.path.realpath(path)
    if root is not None and not _inside(real, os.path.realpath(root)):
        raise WriteRefused(f"{path}: is a link to a file outside the checked tree; not written")
    if os.path.islink(path) and not os.path.exists(path):
        raise WriteRefused(f"{path}: is a broken symbolic link; not written")
    try:
        info = os.stat(real)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise WriteRefused(f"{path}: cannot be examined ({exc.strerror or exc}); not written") from None
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            raise WriteRefused(f"{path}: is not a regular file; not written")
        try:
            with open(real, "rb") as fh:
                current = fh.read()
        except OSError as exc:
            raise WriteRefused(f"{path}: cannot be read ({exc.strerror or exc}); not written") from None
        if current == data:
            return
        if expected is not None and current != expected:
            raise WriteRefused(f"{path}: changed on disk since it was read; not written")
        if not os.access(real, os.W_OK):
            raise WriteRefused(f"{path}: is read-only; not written")
        mode = stat.S_IMODE(info.st_mode)
    else:
        mode = 0o666 & ~_umask()
    folder = os.path.dirname(real) or "."
    fd, tmp = tempfile.mkstemp(prefix=".lambda-lint-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if info is not None and hasattr(os, "chown"):
            try:
                os.chown(tmp, info.st_uid, info.st_gid)
            except OSError:
                pass  # not allowed to give the file away: it stays ours, like any new file
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _sync_folder(folder)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (and Windows) cannot sync a folder
    finally:
        os.close(fd)


def write_text_preserving(path: str, text: str, encoding: str, original: bytes, root: str = None) -> None:
    """Encode ``text`` like the original file (its codec and any UTF-8 BOM), then write atomically.

    ``original`` is what the file held when it was read: if it holds something
    else now, nothing is written. Text the file's codec cannot encode (a fix
    that adds characters a latin-1 file cannot hold) is refused, not written
    half-way.
    """
    try:
        data = text.encode(encoding)
    except (UnicodeEncodeError, LookupError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeEncodeError) else str(exc)
        raise WriteRefused(f"{path}: the fixed text cannot be encoded as {encoding} ({reason}); not written") from None
    if original.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf"):
        data = b"\xef\xbb\xbf" + data
    write_bytes_atomically(path, data, root, expected=original)
