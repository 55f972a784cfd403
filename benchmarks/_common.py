"""Shared benchmark helpers: a throwaway nginx, and timing a command's wall time and memory.

Peak memory is measured two ways, and the larger is reported:

* The kernel's ``ru_maxrss`` of the tool, read by GNU time (``/usr/bin/time -f %M``, Debian
  package ``time``): the exact high-water mark of the *largest single process* in the
  tool's tree, for that run alone. ``getrusage(RUSAGE_CHILDREN)`` can't give this: it keeps
  the maximum over every child the harness ever had. Without GNU time, ``os.wait4()`` on the
  child gives the same number, except that a child forked from Python starts with the
  harness's own RSS (~25 MB) as its high-water mark, so small tools read high.
* A thread samples ``/proc`` every 50 ms and sums the RSS of the whole process tree. This
  catches tools that spread over several processes (a worker on the second core), at the
  cost of missing spikes shorter than the interval.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_INTERVAL = 0.05
MIME_TYPES = "/etc/nginx/mime.types"
FALLBACK_TYPES = (
    "types { text/html html; text/css css; application/javascript js; "
    "image/png png; image/jpeg jpg; application/pdf pdf; }"
)


class HarnessError(RuntimeError):
    """The benchmark itself failed (as opposed to a measured tool reporting problems)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """preexec_fn: the kernel sends SIGTERM to the child if the harness dies, even by SIGKILL."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


NGINX_CONF = """\
{user}daemon off;
master_process on;
worker_processes 2;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    {types}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
    }}
}}
"""


@contextlib.contextmanager
def nginx_serving(root: Path, start_timeout: float = 10.0) -> Iterator[str]:
    """Serve `root` on a free 127.0.0.1 port; yield the base URL ("http://127.0.0.1:PORT/").

    nginx runs in the foreground in its own session (so Ctrl-C in the terminal doesn't stop
    it halfway through a measurement) and is always stopped on leaving the block.
    """
    tmp = Path(tempfile.mkdtemp(prefix="duwang-nginx-"))
    proc: subprocess.Popen[bytes] | None = None
    try:
        for _attempt in range(3):  # free_port() can race with another process
            port = free_port()
            conf = NGINX_CONF.format(
                user="user root;\n" if os.geteuid() == 0 else "",
                tmp=tmp,
                port=port,
                root=root.resolve(),
                types=f"include {MIME_TYPES};" if Path(MIME_TYPES).exists() else FALLBACK_TYPES,
            )
            (tmp / "nginx.conf").write_text(conf)
            with open(tmp / "stderr.log", "wb") as stderr:  # nginx keeps its own copy
                proc = subprocess.Popen(
                    [
                        NGINX,
                        "-p",
                        str(tmp),
                        "-e",
                        str(tmp / "error.log"),
                        "-c",
                        str(tmp / "nginx.conf"),
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    start_new_session=True,
                    preexec_fn=_die_with_parent,
                )
            url = f"http://127.0.0.1:{port}/"
            if _wait_answering(url, proc, start_timeout):
                yield url
                return
            _stop(proc)
            proc = None
            err = "".join(
                (tmp / name).read_text(errors="replace")
                for name in ("stderr.log", "error.log")
                if (tmp / name).exists()
            )
            if "Address already in use" not in err:
                raise HarnessError(f"nginx did not start on {url}:\n{err[-2000:]}")
        raise HarnessError("nginx: no free port after 3 attempts")
    finally:
        if proc is not None:
            _stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_answering(url: str, proc: subprocess.Popen[bytes], timeout: float) -> bool:
    """Poll until nginx serves `url` (True) or exits or times out (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM is nginx's fast shutdown; escalate to SIGKILL on the group if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@dataclass
class RunResult:
    wall_s: float
    maxrss_mb: float  # largest single process (ru_maxrss), exact
    tree_rss_mb: float  # whole process tree, sampled every 50 ms
    returncode: int
    timed_out: bool = False
    cpu_s: float = 0.0  # user + system CPU of the tool and every child it waited for

    @property
    def peak_rss_mb(self) -> float:
        return max(self.maxrss_mb, self.tree_rss_mb)


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])  # comm may contain spaces
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def tree_rss_bytes(root: int) -> int:
    """Summed RSS of `root` and its descendants, from /proc (0 once it is gone)."""
    kids = _children_map()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(kids.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            continue
    return total


def run_measured(
    cmd: Sequence[str],
    log: Path,
    timeout: float = 3600.0,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> RunResult:
    """Run `cmd` with stdout+stderr to `log`; return wall time, peak RSS and exit code.

    The child gets its own process group so a timeout or Ctrl-C can stop all of it.
    """
    peak = 0
    done = threading.Event()
    rss_file = log.with_suffix(".maxrss")
    argv = list(cmd)
    if GNU_TIME:
        argv = [GNU_TIME, "-f", "%M", "-o", str(rss_file), *argv]
    with open(log, "wb") as out:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                start_new_session=True,
            )
        except OSError as exc:
            raise HarnessError(f"cannot run {cmd[0]}: {exc}") from exc
    timed_out = False

    def sample() -> None:
        nonlocal peak, timed_out
        deadline = time.monotonic() + timeout
        while not done.wait(SAMPLE_INTERVAL):
            peak = max(peak, tree_rss_bytes(proc.pid))
            if time.monotonic() > deadline:
                timed_out = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    except BaseException:  # Ctrl-C / SIGTERM: take the tool's whole group down with us
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(proc.pid, 0)
        raise
    finally:
        done.set()
        sampler.join()
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen won't reap it again
    # The group may outlive its leader (a daemonised helper): don't let it run on.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    maxrss_kib = usage.ru_maxrss  # KiB on Linux
    if GNU_TIME:
        with contextlib.suppress(OSError, ValueError, IndexError):  # absent after a kill
            maxrss_kib = int(rss_file.read_text().split()[-1])
        rss_file.unlink(missing_ok=True)
    return RunResult(
        wall_s=wall,
        maxrss_mb=maxrss_kib / 1024,
        tree_rss_mb=peak / 2**20,
        returncode=proc.returncode,
        timed_out=timed_out,
        cpu_s=usage.ru_utime + usage.ru_stime,
    )


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def raise_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt so `finally` blocks (nginx shutdown) run."""

    def handler(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)
