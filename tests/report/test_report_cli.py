"""`duwang report` through the real CLI in a subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import REPO, run_cli


def test_monthly_json(history_path: Path, tmp_path: Path):
    out = tmp_path / "nov.json"
    proc = run_cli("report", "monthly", "--month", "2026-11", "--db", str(history_path), "--format", "json",
                   "-o", str(out), check_exit=0)
    assert f"报告已写入 {out}" in proc.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert (data["period"], data["totals"]["found"], data["totals"]["rectified"]) == ("2026-11", 4, 6)
    assert data["headline"]["dead_links_cleared"] == 3


def test_format_from_the_extension_and_site(history_path: Path, tmp_path: Path):
    out = tmp_path / "2026.xlsx"
    run_cli("report", "annual", "--year", "2026", "--db", str(history_path), "--site", "www.example.gov.cn",
            "-o", str(out), check_exit=0)
    wb = load_workbook(io.BytesIO(out.read_bytes()))
    assert wb["年报语句"]["B2"].value == "全年整改错敏词2个，清除错链、死链4条"


def test_json_to_stdout(history_path: Path):
    proc = run_cli("report", "annual", "--year", "2026", "--db", str(history_path), "--format", "json",
                   "-o", "-", check_exit=0)
    assert json.loads(proc.stdout)["sentence"]["exact"] == "全年整改错敏词2个，清除错链、死链4条"


def test_default_path_and_terminal_summary(history_path: Path, tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "report", "annual", "--year", "2026",
                           "--db", str(history_path)], capture_output=True, text=True, cwd=tmp_path,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    html = tmp_path / "reports" / "2026.html"
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("2026年度网站巡检报告")
    assert lines[-3:] == ["  全年整改错敏词2个，清除错链、死链4条", "  全年整改错敏词2个，清除错链、死链4条",
                          "报告已写入 reports/2026.html"]


@pytest.mark.parametrize(("args", "message"), [
    (["monthly", "--month", "2026-13"],
     "--month expects YYYY-MM with a month 01-12 (e.g. 2026-11), got '2026-13'"),
    (["annual", "--year", "26"], "--year expects a four-digit year (e.g. 2026), got '26'"),
    (["monthly", "--month", "2026-11", "--site", "nope.gov.cn"], "--site nope.gov.cn: no runs or findings"),
    (["annual", "--year", "2026", "--format", "xlsx", "-o", "-"], "an XLSX report cannot go to stdout"),
])
def test_errors_are_one_line(history_path: Path, args, message):
    proc = run_cli("report", *args, "--db", str(history_path), check_exit=2)
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("duwang report: error: ")
    assert message in proc.stderr


def test_missing_database(tmp_path: Path):
    proc = run_cli("report", "monthly", "--month", "2026-11", "--db", str(tmp_path / "none.db"), check_exit=2)
    assert proc.stderr.count("\n") == 1 and "no database" in proc.stderr
    assert not (tmp_path / "none.db").exists()


def test_unwritable_output(history_path: Path, tmp_path: Path):
    proc = run_cli("report", "monthly", "--month", "2026-11", "--db", str(history_path),
                   "-o", str(tmp_path / "no" / "such" / "dir" / "r.html"), check_exit=2)
    assert proc.stderr.count("\n") == 1 and "cannot write" in proc.stderr


def test_help():
    proc = run_cli("report", "--help", check_exit=0)
    assert "monthly" in proc.stdout and "annual" in proc.stdout
    proc = run_cli("report", "monthly", "--help", check_exit=0)
    for option in ("--month", "--db", "--format", "--output", "--site"):
        assert option in proc.stdout
