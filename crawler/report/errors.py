"""Errors a user can act on; the CLI prints them as one line and exits 2."""

from crawler.errors import DuwangError


class ReportError(DuwangError):
    """Bad report input (--month, --year, --format, -o) or an unwritable output path."""
