"""`scrapy crawl portal -a url=...` from the project root runs the same spider and store."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

from crawler.demo.server import Reply
from tests.conftest import REPO
from tests.portal_site import page


def test_scrapy_crawl_from_the_project_root(serve, db_path):
    home = page("首页", '<a href="/gone.html">坏</a><p>再接再励</p>', footer=False)
    portal = serve({"/": Reply(body=home)})
    scrapy = shutil.which("scrapy") or f"{sys.executable} -m scrapy"
    proc = subprocess.run(
        [*scrapy.split(), "crawl", "portal", "-a", f"url={portal.url}", "-s", f"DUWANG_DB={db_path}",
         "-s", "LOG_LEVEL=WARNING"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    con = sqlite3.connect(db_path)
    kinds = dict(con.execute("SELECT kind, count(*) FROM findings GROUP BY kind").fetchall())
    assert kinds == {"dead_link": 1, "wording": 1}
    assert con.execute("SELECT status FROM runs").fetchall() == [("complete",)]
