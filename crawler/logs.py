"""The log file of unattended runs: a size-rotated UTF-8 file on the root logger."""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler

from crawler.errors import DuwangError

LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"  # Scrapy's own layout
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class LogFileError(DuwangError):
    """The log file cannot be opened, or a logging option is out of range."""


class DuwangFileHandler(RotatingFileHandler):
    """Marks the handler we installed: a second call replaces it (one log file per process)."""


def setup_file_logging(path: str, level: str = "INFO", max_bytes: int = 10_000_000, backups: int = 5) -> None:
    """Log records of `level` and above to `path`, rotating to path.1 … path.N past `max_bytes`.

    The file is opened now, so a bad path fails here with a LogFileError. The root logger's level
    is lowered to `level` if it is higher (it is never raised); other handlers keep their own levels.
    A handler closed by a later logging.config.dictConfig (Scrapy calls one) reopens the file on its
    next record.
    """
    name = level.upper() if isinstance(level, str) else ""
    if name not in LEVELS:
        raise LogFileError(f"log level must be one of {', '.join(LEVELS)}, not {level!r}")
    if max_bytes < 1:
        raise LogFileError(f"log file size limit must be at least 1 byte, not {max_bytes}")
    if backups < 0:
        raise LogFileError(f"number of rotated log files cannot be negative: {backups}")
    if not path:
        raise LogFileError("log file path is empty")
    full = os.path.abspath(path)
    if os.path.isdir(full):
        raise LogFileError(f"log file {path} is a directory")
    folder = os.path.dirname(full)
    if not os.path.isdir(folder):
        raise LogFileError(f"cannot open log file {path}: folder {folder} does not exist")
    try:
        handler = DuwangFileHandler(full, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    except OSError as exc:
        raise LogFileError(f"cannot open log file {path}: {exc.strerror or exc}") from None
    handler.setLevel(name)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, DATE_FORMAT))

    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, DuwangFileHandler)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    if root.level > logging.getLevelName(name):  # NOTSET (0), as Scrapy leaves it, passes everything
        root.setLevel(name)
