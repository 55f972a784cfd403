"""duwang (读网): quality monitoring for Chinese government portals."""

__version__ = "0.1.0"
