"""The base of every error a user can act on; the CLI prints it as one line and exits 2."""


class DuwangError(Exception):
    """Raised by the library for bad input or an unusable environment."""
