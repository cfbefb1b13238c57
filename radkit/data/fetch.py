"""Checksum-verified downloads that never overwrite a file or leave a partial one."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

__all__ = ["ChecksumError", "verify", "download"]

_CHUNK = 1 << 20


class ChecksumError(ValueError):
    """A file's digest differs from the published one."""


def _expected(sha256: str | None, md5: str | None) -> tuple[str, str]:
    if sha256 is None and md5 is None:
        raise ValueError(
            "pass sha256= or md5= (the digest the publisher lists on the download page); "
            "radkit does not ship checksums it cannot vouch for."
        )
    algo, digest = ("sha256", sha256) if sha256 is not None else ("md5", md5)
    digest = str(digest).strip().lower()
    if len(digest) != {"sha256": 64, "md5": 32}[algo] or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"{algo}={digest!r} is not a hex digest of the right length.")
    return algo, digest


def _digest(path: Path, algo: str) -> str:
    h = hashlib.new(algo)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(path: str | os.PathLike, *, sha256: str | None = None, md5: str | None = None) -> Path:
    """Check a file against a published SHA-256 (preferred) or MD5 digest.

    Returns the path when it matches; raises :class:`ChecksumError` when
    it does not and ``FileNotFoundError`` when the file is missing.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = open(p, "wb").write(b"abc")
    >>> verify(p, md5="900150983cd24fb0d6963f7d28e17f72").name
    'a.txt'
    """
    algo, digest = _expected(sha256, md5)
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such file to verify.")
    got = _digest(p, algo)
    if got != digest:
        raise ChecksumError(
            f"{p.name}: {algo} is {got}, expected {digest}. The file is incomplete or a different "
            "version: delete it and download again, or check the digest on the publisher's page."
        )
    return p


def _manual(url: str, dest: Path, algo: str, digest: str) -> str:
    return (
        f"To fetch it by hand: download {url} in a browser (or `curl -L -o '{dest}' '{url}'`), "
        f"save it as {dest}, then check it with "
        f"radkit.data.verify('{dest}', {algo}='{digest}')."
    )


def download(
    url: str,
    dest: str | os.PathLike,
    *,
    sha256: str | None = None,
    md5: str | None = None,
    timeout: float = 60.0,
) -> Path:
    """Download ``url`` to ``dest`` and verify its checksum.

    The data go to a temporary file next to ``dest`` and are renamed only
    after the checksum matches, so a failure never leaves a partial file.
    An existing ``dest`` is never overwritten: if it verifies it is
    returned as is, otherwise :class:`ChecksumError` asks you to remove it.
    Any failure raises with instructions for a manual download.

    Parameters
    ----------
    url : str
        http(s) or file URL.
    dest : path
        Target file; its folder is created if needed.
    sha256, md5 : str, keyword-only
        The publisher's digest; one is required.
    timeout : float, keyword-only
        Seconds to wait for the server.

    Examples
    --------
    >>> import tempfile, os, pathlib
    >>> d = tempfile.mkdtemp(); src = os.path.join(d, "src.bin")
    >>> _ = open(src, "wb").write(b"abc")
    >>> download(pathlib.Path(src).as_uri(), os.path.join(d, "copy.bin"),
    ...          md5="900150983cd24fb0d6963f7d28e17f72").name
    'copy.bin'
    """
    algo, digest = _expected(sha256, md5)
    target = Path(dest).expanduser()
    if target.exists():
        return verify(target, **{algo: digest})
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        h = hashlib.new(algo)
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            while chunk := response.read(_CHUNK):
                h.update(chunk)
                out.write(chunk)
        if h.hexdigest() != digest:
            raise ChecksumError(f"{target.name}: downloaded {algo} is {h.hexdigest()}, expected {digest}.")
        try:
            os.link(tmp, target)  # fails rather than overwrite a file that appeared meanwhile
        except FileExistsError:
            raise
        except OSError:  # file systems without hard links
            if target.exists():
                raise FileExistsError(f"{target} appeared during the download; not overwriting it.") from None
            shutil.move(tmp, target)
    except Exception as exc:
        message = f"download of {url} failed: {exc}\n{_manual(url, target, algo, digest)}"
        kind = type(exc) if isinstance(exc, (ChecksumError, FileExistsError)) else RuntimeError
        raise kind(message) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target
