"""Finding data files: a given directory, then the cache, then a one-time verified download.

Search order for a file:
1. ``data_dir`` if given, else the ``GLASSNET_DATA_DIR`` environment variable;
2. the cache, ``$XDG_CACHE_HOME/glassnet/<subdir>`` (``~/.cache/glassnet/<subdir>`` by default);
3. a download from each mirror in turn into the cache, kept only if its SHA-256 matches.

A compressed file found anywhere is checked against its SHA-256 before it is used; a corrupt one
in a directory of the user's is refused with an error naming it, a corrupt one in the cache is
replaced by a fresh download. An uncompressed copy (the name without ``.gz``) is accepted in a
user's directory; the IDX reader then checks its size against its header.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from glassnet.datasets.idx import DataFileError

ENVIRONMENT_VARIABLE = "GLASSNET_DATA_DIR"
_CHUNK = 1 << 16


@dataclass(frozen=True)
class RemoteFile:
    """A file known by name and SHA-256, available from several mirrors (base URLs)."""

    name: str
    sha256: str
    mirrors: tuple[str, ...]


def cache_dir() -> Path:
    """glassnet's cache directory (XDG): ``$XDG_CACHE_HOME/glassnet`` or ``~/.cache/glassnet``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "glassnet"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def locate(
    remote: RemoteFile,
    subdir: str,
    *,
    data_dir: str | Path | None = None,
    download: bool = True,
    progress: bool = True,
) -> Path:
    """Return the path of a verified copy of ``remote`` (see the module docstring for the order)."""
    user_dir = data_dir if data_dir is not None else os.environ.get(ENVIRONMENT_VARIABLE)
    if user_dir:
        user_dir = Path(user_dir)
        if not user_dir.is_dir():
            raise FileNotFoundError(f"data directory {user_dir} does not exist")
        for candidate in (user_dir / remote.name, user_dir / subdir / remote.name):
            if candidate.is_file():
                _check_sha256(candidate, remote)
                return candidate
        raw_name = remote.name.removesuffix(".gz")
        for candidate in (user_dir / raw_name, user_dir / subdir / raw_name):
            if candidate.is_file():
                return candidate
    cached = cache_dir() / subdir / remote.name
    if cached.is_file():
        if sha256_of(cached) == remote.sha256:
            return cached
        print(f"glassnet: cached {cached} is corrupt; downloading it again", file=sys.stderr)
    if not download:
        where = f"{user_dir} or " if user_dir else ""
        raise FileNotFoundError(f"{remote.name} is not in {where}{cached.parent}")
    return fetch(remote, cached, progress=progress)


def _check_sha256(path: Path, remote: RemoteFile) -> None:
    actual = sha256_of(path)
    if actual != remote.sha256:
        raise DataFileError(
            f"{path}: SHA-256 is {actual}, expected {remote.sha256}; the file is corrupt, "
            "truncated or not the official one"
        )


def fetch(remote: RemoteFile, destination: Path, *, progress: bool = True) -> Path:
    """Download ``remote`` into ``destination``, trying each mirror, keeping it only if verified.

    The file is written to a temporary name beside ``destination`` and renamed when complete.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for mirror in remote.mirrors:
        url = mirror.rstrip("/") + "/" + remote.name
        try:
            _download(url, destination, remote.sha256, progress=progress)
            return destination
        except (OSError, urllib.error.URLError, DataFileError) as error:
            failures.append(f"{url}: {error}")
    raise DataFileError(
        f"could not download {remote.name}; tried:\n  "
        + "\n  ".join(failures)
        + f"\nPut the file in a directory and pass --data-dir (or set {ENVIRONMENT_VARIABLE})."
    )


def _download(url: str, destination: Path, sha256: str, *, progress: bool) -> None:
    digest = hashlib.sha256()
    handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=destination.name + ".")
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                desc=destination.name,
                disable=not progress,
                leave=False,
                file=sys.stderr,
            ) as bar:
                for block in iter(lambda: response.read(_CHUNK), b""):
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
        if digest.hexdigest() != sha256:
            raise DataFileError(f"SHA-256 is {digest.hexdigest()}, expected {sha256}")
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
