"""`duwang demo --serve`: the portal stays up from an editable copy, the review UI starts,
and a recheck passes for a page fixed in the copy and fails for one left alone."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

from crawler.store import open_db
from crawler.store.sites import UNASSIGNED, load_sites, owner_of
from tests.conftest import REPO, run_cli


def _finding(db, text: str) -> dict:
    rows = [json.loads(line) for line in run_cli("findings", "--db", str(db), "--format", "jsonl",
                                                  check_exit=None).stdout.splitlines()]
    [row] = [r for r in rows if r.get("text") == text]
    return row


def test_demo_serve_keeps_the_portal_up_for_rechecks(tmp_path):
    db = tmp_path / "demo.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "demo", "--db", str(db), "--port", "0", "--ui-port", "0",
         "--serve"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, "demo --serve ended early: " + proc.stderr.read()[-2000:]
            lines.append(line)
            if "演示站点的文件在" in line:
                break
        out = "".join(lines)
        [ui] = re.findall(r"读网复查: (http://127\.0\.0\.1:\d+/)", out)
        assert "巡检完成" in out
        with urllib.request.urlopen(ui, timeout=10) as page:
            assert page.status == 200 and "读网复查" in page.read().decode("utf-8")

        # Departments and columns are configured: findings are not all 未分配.
        fixed, left = _finding(db, "迫不急待"), _finding(db, "按装")
        store = open_db(db)
        try:
            [site] = load_sites(store).values()
        finally:
            store.close()
        [page] = fixed["pages"]
        assert owner_of(page, site.departments) == "区融媒体中心"
        assert owner_of(page, site.columns) == "政务要闻"
        assert owner_of(ui, site.departments) == UNASSIGNED  # not the portal's own URL
        assert owner_of(page.split("xwzx")[0], site.departments) == "区政务服务和数据管理局"

        copy = tmp_path / "demo-site"
        page_file = copy / "xwzx" / "2024-03-15-chungeng.html"
        assert str(copy) in out and page_file.is_file()
        page_file.write_text(page_file.read_text(encoding="utf-8").replace("迫不急待", "迫不及待"),
                             encoding="utf-8")
        got = run_cli("recheck", "--db", str(db), str(fixed["id"]), str(left["id"]), check_exit=None).stdout
        assert f"{fixed['id']}: 已整改" in got
        assert f"{left['id']}: 疑似未整改" in got
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err
