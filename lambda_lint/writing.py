"""Writing a changed source file without ever losing it."""
from __future__ import annotations

import os
import stat
import tempfile


class WriteRefused(Exception):
    """The file was left untouched; the message says why."""


def write_bytes_atomically(path: str, data: bytes, root: str = None) -> None:
    """Replace ``path`` with ``data``: write a temporary file in the same folder, then rename.

    Permissions are kept. A symlink is never written through to a target
    outside ``root``; inside it, the target file is replaced, not the link.
    """
    real = os.path.realpath(path)
    if root is not None:
        real_root = os.path.realpath(root)
        if not (real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)):
            raise WriteRefused(f"{path}: is a link to a file outside the checked tree; not written")
    try:
        with open(real, "rb") as fh:
            if fh.read() == data:
                return
        mode = stat.S_IMODE(os.stat(real).st_mode)
    except FileNotFoundError:
        mode = 0o644
    folder = os.path.dirname(real) or "."
    fd, tmp = tempfile.mkstemp(prefix=".lambda-lint-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_text_preserving(path: str, text: str, encoding: str, original: bytes, root: str = None) -> None:
    """Encode ``text`` like the original file (its codec and any UTF-8 BOM), then write atomically."""
    data = text.encode(encoding)
    if original.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf"):
        data = b"\xef\xbb\xbf" + data
    write_bytes_atomically(path, data, root)
