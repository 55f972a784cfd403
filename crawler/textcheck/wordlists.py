"""Wordlists: plain UTF-8 files staff can edit, one per category.

Line format: ``term`` or ``term<TAB>suggestion[<TAB>note]``, then optional named columns
``name=value`` (after the positional fields, each name at most once); ``#`` starts a comment,
blank lines are ignored. The only known column is ``since=YYYY-MM-DD``: the date from which
the term is outdated or wrong (an agency renamed by a reform, a leader's former title). It is
accepted for ``outdated``, ``serious`` and custom categories; a typo, a spam term or a
whitelist phrase is wrong or right regardless of the date, so ``since`` there is an error.

The defaults ship in ``crawler/wordlists``; a user directory adds to them: a file named like
a default category adds to that category, any other ``NAME.txt`` is a custom category ``NAME``.
A broken line raises :class:`WordlistError`, it is never skipped.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.resources
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path

from crawler.errors import DuwangError

from .codes import OUTDATED, SENSITIVE, SERIOUS, TYPO, WHITELIST
from .normalize import normalize_term

# File stem -> category. typo.txt is accepted too, so it can't become a custom "typo".
FILE_CATEGORIES = {
    "sensitive": SENSITIVE,
    "serious": SERIOUS,
    "outdated": OUTDATED,
    "typos": TYPO,
    "typo": TYPO,
    "whitelist": WHITELIST,
}
MIN_TERM_LENGTH = 2
# Categories whose terms are wrong whatever the date: a since= column there is a mistake.
UNDATED_CATEGORIES = frozenset({TYPO, SENSITIVE, WHITELIST})
_COLUMN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class WordlistError(DuwangError, ValueError):
    """A wordlist file or line that can't be used."""

    def __init__(self, path: str | Path, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Entry:
    term: str  # normalised (see normalize_term); what is matched
    category: str
    suggestion: str | None = None
    note: str | None = None
    path: str = ""  # where it was read, for messages
    line: int = 0
    since: datetime.date | None = None  # outdated/wrong from this date on (since= column)

    @property
    def source(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Wordlists:
    """Entries by category (whitelist phrases kept apart)."""

    categories: dict[str, dict[str, Entry]] = field(default_factory=dict)
    whitelist: set[str] = field(default_factory=set)

    def entries(self) -> Iterable[Entry]:
        for terms in self.categories.values():
            yield from terms.values()

    def fingerprint(self) -> str:
        """Changes whenever a term, suggestion, since date or whitelist phrase does: pages
        checked with other lists must be checked again even if they did not change."""
        digest = hashlib.sha256()
        for e in sorted(self.entries(), key=lambda e: (e.category, e.term)):
            # An undated entry hashes as before dates existed, so old fingerprints still hold.
            since = f"\x1f{e.since.isoformat()}" if e.since else ""
            digest.update(f"{e.category}\x1f{e.term}\x1f{e.suggestion}{since}\n".encode())
        for phrase in sorted(self.whitelist):
            digest.update(f"whitelist\x1f{phrase}\n".encode())
        return digest.hexdigest()[:16]

    def add(self, entry: Entry) -> None:
        """Add one entry; the same term with another suggestion or another since date in a
        category is an error. A repeat that adds a date to an undated entry supplies it."""
        if entry.category == WHITELIST:
            self.whitelist.add(entry.term)
            return
        terms = self.categories.setdefault(entry.category, {})
        old = terms.get(entry.term)
        if old is not None and old.suggestion != entry.suggestion:
            raise WordlistError(
                entry.path,
                entry.line,
                f"{entry.term!r} already has suggestion {old.suggestion!r} ({old.source})",
            )
        if old is not None and old.since and entry.since and old.since != entry.since:
            raise WordlistError(
                entry.path,
                entry.line,
                f"{entry.term!r} already has since={old.since.isoformat()} ({old.source})",
            )
        if old is None or (old.since is None and entry.since is not None):
            terms[entry.term] = entry


def parse_wordlist(text: str, path: str | Path, category: str) -> list[Entry]:
    """Parse one file's text into entries, raising WordlistError on the first broken line."""
    entries = []
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        fields, columns = _split_columns([f.strip() for f in line.split("\t")], path, number)
        if len(fields) > 3:
            raise WordlistError(path, number, "too many fields (term, suggestion, note)")
        since = _since(columns, category, path, number)
        term = normalize_term(fields[0])
        suggestion = fields[1] if len(fields) > 1 and fields[1] else None
        note = fields[2] if len(fields) > 2 and fields[2] else None
        if not term:
            raise WordlistError(path, number, "empty term")
        if len(term) < MIN_TERM_LENGTH:
            raise WordlistError(path, number, f"term {term!r} is shorter than 2 characters")
        if category == WHITELIST and suggestion:
            raise WordlistError(path, number, "a whitelist phrase takes no suggestion")
        entries.append(Entry(term, category, suggestion, note, str(path), number, since))
    return entries


def _split_columns(fields: list[str], path: str | Path, number: int) -> tuple[list[str], dict[str, str]]:
    """Positional fields, and the ``name=value`` columns that follow them.

    The term is never a column (a term may contain "="); after the first column every
    non-empty field must be a column too, so a misplaced note is not read as something else.
    """
    columns: dict[str, str] = {}
    positional = fields[:1]
    for f in fields[1:]:
        m = _COLUMN.fullmatch(f)
        if m is None:
            if columns and f:
                raise WordlistError(path, number, f"field {f!r} after a name=value column")
            if not columns:
                positional.append(f)
            continue
        name, value = m.group(1), m.group(2).strip()
        if name in columns:
            raise WordlistError(path, number, f"column {name!r} given twice")
        columns[name] = value
    return positional, columns


def _since(columns: dict[str, str], category: str, path: str | Path, number: int) -> datetime.date | None:
    unknown = sorted(set(columns) - {"since"})
    if unknown:
        raise WordlistError(path, number, f"unknown column {unknown[0]!r} (known: since)")
    if "since" not in columns:
        return None
    if category in UNDATED_CATEGORIES:
        raise WordlistError(
            path, number, f"since= is for terms that became wrong on a date, not for {category!r}"
        )
    value = columns["since"]
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise WordlistError(path, number, f"since={value!r} is not a date YYYY-MM-DD") from None


def default_dir() -> Traversable:
    """The packaged default wordlists."""
    try:
        found = importlib.resources.files("crawler") / "wordlists"
        if found.is_dir():
            return found
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / "wordlists"


def _read(path: Traversable) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WordlistError(str(path), None, f"not valid UTF-8 ({exc.reason})") from exc


def _list_files(directory: Traversable) -> list[Traversable]:
    files = sorted((f for f in directory.iterdir() if f.name.endswith(".txt")), key=lambda f: f.name)
    for f in files:
        if not f.is_file() and not f.is_dir():  # a dangling symlink: a list that silently vanished
            raise WordlistError(str(f), None, "cannot read: the file does not exist (a broken link?)")
    return [f for f in files if f.is_file()]


def load_wordlists(dirs: Iterable[Path] = ()) -> Wordlists:
    """The default wordlists plus those in each of ``dirs``, in order."""
    lists = Wordlists()
    for directory in [default_dir(), *dirs]:
        if not directory.is_dir():
            raise WordlistError(str(directory), None, "not a directory")
        for path in _list_files(directory):
            stem = path.name[: -len(".txt")]
            category = FILE_CATEGORIES.get(stem, stem)
            for entry in parse_wordlist(_read(path), path, category):
                lists.add(entry)
    return lists
