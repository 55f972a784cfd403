"""The review web UI (读网复查): Flask, server-rendered Jinja2 templates, no build step.

Modules by role: ``app`` (the factory and the per-request database), ``security`` (session
key, CSRF, login, headers), ``accounts`` (users with hashed passwords), ``listing`` (filters
and the rows of the screen), ``export`` (the 整改清单 as XLSX/CSV), ``views`` (routes),
``server`` (binding rules and the WSGI server), ``commands`` (`duwang serve|mark|recheck|user`).
"""

from crawler.review.app import create_app

__all__ = ["create_app"]
