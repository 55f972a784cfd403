"""The review web UI (读网复查): Flask, server-rendered Jinja2 templates, no build step.

Modules by role: ``app`` (the factory and the per-request database), ``security`` (session
key, CSRF, who needs a login, read-only mode, headers), ``login`` (session versions and the
failed-login throttle), ``accounts`` (users with hashed passwords and a role), ``roles``
(the web office or a department, and a department's scope), ``listing`` (filters and the rows
of the screen), ``overview`` (概览), ``export`` (the 整改清单 as XLSX/CSV), ``views`` (pages, GET),
``actions`` (changes, POST), ``server`` (binding rules and the WSGI server), ``commands``
(`duwang serve|mark|recheck|user`). Words come from crawler.labels, times from crawler.localtime.

Import the factory from ``crawler.review.app``: this package stays light, so the CLI does not
load Flask for the commands that do not serve.
"""
