"""docs/: the systemd service + timer and the cron line parse, agree, and use flags `duwang crawl` has."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

DOCS = REPO / "docs"
SERVICE = DOCS / "systemd" / "duwang.service"
TIMER = DOCS / "systemd" / "duwang.timer"
CRON = DOCS / "cron.txt"
CRAWL_ARGS = ["crawl", "--config", "/etc/duwang/duwang.toml", "--db", "/var/lib/duwang/duwang.db",
              "--log-file", "/var/log/duwang/crawl.log"]

Unit = dict[str, dict[str, list[str]]]


def parse_unit(path: Path) -> Unit:
    """A systemd unit file as {section: {key: [values]}}; a key may repeat, as systemd allows."""
    unit: Unit = {}
    section: dict[str, list[str]] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        assert not line.endswith("\\"), f"{path.name}:{number}: keep each setting on one line"
        if line.startswith("["):
            assert line.endswith("]"), f"{path.name}:{number}: bad section header"
            section = unit.setdefault(line[1:-1], {})
            continue
        assert section is not None, f"{path.name}:{number}: setting before any section"
        key, sep, value = line.partition("=")
        assert sep and key.strip() and re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", key.strip()), \
            f"{path.name}:{number}: not KEY=VALUE: {raw!r}"
        section.setdefault(key.strip(), []).append(value.strip())
    return unit


def one(unit: Unit, section: str, key: str) -> str:
    values = unit[section].get(key)
    assert values and len(values) == 1, f"[{section}] {key}= must be set once, got {values}"
    return values[0]


def cron_entries() -> list[str]:
    lines = CRON.read_text(encoding="utf-8").splitlines()
    return [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def test_service_unit() -> None:
    unit = parse_unit(SERVICE)
    assert set(unit) == {"Unit", "Service"}  # started by the timer only: no [Install]
    assert one(unit, "Unit", "Description")
    assert "network-online.target" in one(unit, "Unit", "After").split()
    assert "network-online.target" in one(unit, "Unit", "Wants").split()
    assert one(unit, "Service", "Type") == "oneshot"
    argv = shlex.split(one(unit, "Service", "ExecStart"))
    assert argv[0].startswith("/") and argv[0].endswith("/duwang")
    assert argv[1:] == CRAWL_ARGS
    success = one(unit, "Service", "SuccessExitStatus").split()
    # 1 = new findings is success; 2 = error and 3 = incomplete are not
    assert "1" in success and "2" not in success and "3" not in success
    assert one(unit, "Service", "User") == "duwang"
    assert one(unit, "Service", "TimeoutStartSec")  # oneshot has no start timeout otherwise
    assert one(unit, "Service", "StateDirectory") == "duwang"
    assert one(unit, "Service", "LogsDirectory") == "duwang"


def test_timer_unit() -> None:
    unit = parse_unit(TIMER)
    assert set(unit) == {"Unit", "Timer", "Install"}
    assert one(unit, "Timer", "OnCalendar") == "*-*-* 01:30:00"
    assert one(unit, "Timer", "RandomizedDelaySec")
    assert one(unit, "Timer", "Persistent") == "true"
    assert one(unit, "Timer", "Unit") == SERVICE.name
    assert one(unit, "Install", "WantedBy") == "timers.target"


def test_cron_line() -> None:
    [entry] = cron_entries()
    fields = entry.split(None, 5)
    assert len(fields) == 6, "five time fields and a command"
    minute, hour, day, month, weekday, command = fields
    cron_field = re.compile(r"(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*")
    for field in (minute, hour, day, month, weekday):
        assert cron_field.fullmatch(field), field
    assert (minute, hour, day, month, weekday) == ("30", "1", "*", "*", "*")  # 01:30, as the timer
    assert "%" not in command  # cron turns % into a newline
    assert "flock" not in command  # duwang locks its database itself
    argv = shlex.split(command)
    assert argv[0].startswith("/"), "cron's PATH is minimal: use the full path"
    assert argv == shlex.split(one(parse_unit(SERVICE), "Service", "ExecStart"))


@pytest.fixture(scope="module")
def crawl_help() -> str:
    return run_cli("crawl", "--help", timeout=60, check_exit=0).stdout


def documented_flags() -> set[str]:
    argv = shlex.split(cron_entries()[0].split(None, 5)[5])
    return {a for a in argv if a.startswith("--")}


def test_flags_exist_in_crawl_help(crawl_help: str) -> None:
    assert documented_flags() == {"--config", "--db", "--log-file"}
    for flag in sorted(documented_flags()):
        assert re.search(rf"(^|\s){flag}\b", crawl_help), flag


def test_scheduling_doc() -> None:
    text = (DOCS / "scheduling.md").read_text(encoding="utf-8")
    for needed in ("systemctl enable --now duwang.timer", "journalctl -u duwang.service",
                   "docs/systemd/duwang.service", "docs/cron.txt", "SuccessExitStatus=1"):
        assert needed in text, needed
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |"):
        assert code in text, code


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify insists that ExecStart's program exists: point it at a stub.
    stub = tmp_path / "bin" / "duwang"
    stub.parent.mkdir()
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    units = tmp_path / "units"
    units.mkdir()
    argv0 = shlex.split(one(parse_unit(SERVICE), "Service", "ExecStart"))[0]
    (units / SERVICE.name).write_text(SERVICE.read_text(encoding="utf-8").replace(argv0, str(stub)),
                                      encoding="utf-8")
    shutil.copy(TIMER, units / TIMER.name)
    proc = subprocess.run(["systemd-analyze", "verify", str(units / SERVICE.name), str(units / TIMER.name)],
                          capture_output=True, text=True, timeout=60)
    ours = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "duwang" in ln]
    assert proc.returncode == 0 and not ours, proc.stdout + proc.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_calendar_expression() -> None:
    calendar = one(parse_unit(TIMER), "Timer", "OnCalendar")
    proc = subprocess.run(["systemd-analyze", "calendar", calendar],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "Normalized form: *-*-* 01:30:00" in proc.stdout


WATCH = DOCS / "systemd" / "duwang-watch.service"


def test_watch_service_unit() -> None:
    unit = parse_unit(WATCH)
    assert set(unit) == {"Unit", "Service", "Install"}  # enabled on its own, runs for days
    assert one(unit, "Service", "Type") == "simple"
    assert "network-online.target" in one(unit, "Unit", "After").split()
    argv = shlex.split(one(unit, "Service", "ExecStart"))
    crawl = shlex.split(one(parse_unit(SERVICE), "Service", "ExecStart"))
    assert argv[0] == crawl[0]
    # The same config and database as the nightly crawl.
    assert argv[1:] == ["watch", "--config", crawl[crawl.index("--config") + 1],
                        "--db", crawl[crawl.index("--db") + 1]]
    assert one(unit, "Service", "User") == "duwang"
    assert one(unit, "Service", "StateDirectory") == "duwang"
    assert one(unit, "Service", "Restart") == "on-failure"
    assert one(unit, "Service", "RestartPreventExitStatus") == "2"  # a bad config is not retried
    assert one(unit, "Install", "WantedBy") == "multi-user.target"
    text = (DOCS / "scheduling.md").read_text(encoding="utf-8")
    for needed in ("docs/systemd/duwang-watch.service", "systemctl enable --now duwang-watch.service",
                   "journalctl -u duwang-watch.service"):
        assert needed in text, needed
    watch_help = run_cli("watch", "--help", timeout=60, check_exit=0).stdout
    for flag in ("--config", "--db"):
        assert re.search(rf"(^|\s){flag}\b", watch_help), flag


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify_watch(tmp_path: Path) -> None:
    stub = tmp_path / "bin" / "duwang"
    stub.parent.mkdir()
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    argv0 = shlex.split(one(parse_unit(WATCH), "Service", "ExecStart"))[0]
    unit = tmp_path / WATCH.name
    unit.write_text(WATCH.read_text(encoding="utf-8").replace(argv0, str(stub)), encoding="utf-8")
    proc = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True,
                          timeout=60)
    ours = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "duwang" in ln]
    assert proc.returncode == 0 and not ours, proc.stdout + proc.stderr
