"""A recheck is bounded in total time: a server that trickles bytes cannot hold it (or the
review UI's 复核 button) forever."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from crawler.addresses import AddressPolicy
from crawler.recheck import UNREACHABLE, fetch, recheck_finding


class Trickle:
    """A loopback server that answers every connection one byte at a time, forever."""

    def __init__(self, head: bytes, drip: bytes) -> None:
        self.head, self.drip = head, drip
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(self.head)
            for i in range(10_000):
                if self.stop.is_set():
                    break
                conn.sendall(self.drip[i % len(self.drip) : i % len(self.drip) + 1])
                time.sleep(0.2)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture(params=["body", "headers"])
def trickle(request):
    if request.param == "body":  # headers at once, then a body that never ends
        server = Trickle(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000000\r\n\r\n",
                         "<p>再接再励</p>".encode())
    else:  # a header that never ends, a byte at a time
        server = Trickle(b"HTTP/1.1 200 OK\r\nX-Slow: ", b"z")
    yield server
    server.close()


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_trickling_answer_is_a_timeout_within_the_deadline(trickle, method):
    started = time.monotonic()
    got = fetch(trickle.url, method, timeout=1.0)
    took = time.monotonic() - started
    if method == "HEAD" and trickle.drip != b"z":
        assert got.status == 200  # HEAD reads no body: the headers came at once
    else:
        assert got.status is None and got.error == "timeout"
    assert took < 3.0, took


def test_a_recheck_job_on_many_slow_pages_is_bounded(trickle):
    pages = [f"{trickle.url}p{i}.html" for i in range(40)]
    finding = {"kind": "wording", "pages": pages, "text": "再接再励", "key": "k", "link": None}
    started = time.monotonic()
    result, results = recheck_finding(finding, lambda: None, internal_hosts=set(), timeout=0.5,
                                      policy=AddressPolicy(["127.0.0.1"]))
    took = time.monotonic() - started
    assert result == UNREACHABLE
    assert len(results) == 40 and {r.result for r in results} == {UNREACHABLE}
    assert {r.detail for r in results} <= {"timeout", "复核超过总时限，未检查此页"}
    assert took < 0.5 * 6 + 2.0, took
