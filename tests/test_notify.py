"""The run-summary webhook: robot text message bodies, and the POST against a real loopback receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from crawler.errors import DuwangError
from crawler.notify import CONTENT_MAX_BYTES, STYLES, NotifyError, build_payload, post_webhook
from tests.conftest import closed_port

SUMMARY: dict[str, Any] = {
    "run_id": 42, "site": "www.shifan.gov.cn", "status": "complete", "reason": "finished",
    "pages": 1234, "links": 5678, "dead_links": 9, "unverified_links": 2, "wording": 3, "privacy": 1,
    "new_findings": 5, "rectified": 4, "reopened": 1,
    "started_at": "2026-11-03T01:30:05+08:00", "finished_at": "2026-11-03T02:31:07+08:00",
    "duration_s": 3662.4,
}


@dataclass
class Receiver:
    """What the loopback receiver got, and how it answers."""
    status: int = 200
    answer: bytes = b'{"errcode":0,"errmsg":"ok"}'
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            state.requests.append({"method": self.command, "path": self.path,
                                   "headers": dict(self.headers), "body": self.rfile.read(length)})
            time.sleep(state.delay)
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(state.answer)))
            self.end_headers()
            self.wfile.write(state.answer)

        do_POST = do_GET = do_PUT = _record

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=SECRET-KEY"
    yield state
    server.shutdown()
    server.server_close()


def test_text_payload_is_the_robot_text_message() -> None:
    payload = build_payload(SUMMARY, "text")
    assert list(payload) == ["msgtype", "text"]
    assert payload["msgtype"] == "text"
    assert list(payload["text"]) == ["content"]
    content = payload["text"]["content"]
    for expected in ("读网", "www.shifan.gov.cn", "巡检完整", "开始时间：2026-11-03 01:30",
                     "结束时间：2026-11-03 02:31", "用时：1小时01分02秒", "页面数：1234",
                     "新发现问题：5", "机器确认已整改：4", "错链/死链：9", "错敏词：3", "隐私信息：1"):
        assert expected in content, expected
    assert "不完整" not in content


@pytest.mark.parametrize("style", ["wecom", "dingtalk"])
def test_robot_styles_are_the_common_text_message(style: str) -> None:
    assert build_payload(SUMMARY, style) == build_payload(SUMMARY, "text")


def test_json_payload_has_every_summary_field() -> None:
    payload = build_payload(SUMMARY, "json")
    for key, value in SUMMARY.items():
        assert payload[key] == value
    assert payload["source"] == "duwang"
    assert payload["text"] == build_payload(SUMMARY, "text")["text"]["content"]
    json.dumps(payload)  # serialisable as is


def test_json_payload_keeps_extra_fields_and_fills_missing_ones() -> None:
    summary = {k: v for k, v in SUMMARY.items() if k != "reopened"}
    payload = build_payload({**summary, "error": None}, "json")
    assert payload["reopened"] is None
    assert "error" in payload and payload["error"] is None


def test_incomplete_run_says_so_with_reason() -> None:
    summary = {**SUMMARY, "status": "incomplete", "reason": "max_pages", "duration_s": 59.6,
               "finished_at": "2026-11-02T17:31:07+00:00"}
    content = build_payload(summary)["text"]["content"]
    assert "巡检不完整（达到页面数上限）" in content
    assert "未将任何问题标记为已整改" in content
    assert "用时：1分00秒" in content
    assert "结束时间：2026-11-03 01:31" in content  # a UTC server clock, read in Beijing time


def test_missing_times_and_unknown_reason_do_not_break() -> None:
    summary = {**SUMMARY, "status": "incomplete", "reason": "weird", "started_at": None,
               "finished_at": "", "duration_s": None}
    content = build_payload(summary)["text"]["content"]
    assert "巡检不完整（其他原因）" in content  # a code name never reaches the group chat
    assert "开始时间：—" in content and "用时：—" in content


def test_content_fits_the_wecom_byte_limit() -> None:
    content = build_payload({**SUMMARY, "site": "很长的站点名" * 300})["text"]["content"]
    assert len(content.encode("utf-8")) <= CONTENT_MAX_BYTES
    assert content.endswith("…")


def test_unknown_style() -> None:
    with pytest.raises(NotifyError, match="unknown webhook style"):
        build_payload(SUMMARY, "slack")
    assert set(STYLES) == {"text", "wecom", "dingtalk", "json"}


@pytest.mark.parametrize("style", STYLES)
def test_post_sends_utf8_json(receiver: Receiver, style: str) -> None:
    payload = build_payload(SUMMARY, style)
    post_webhook(receiver.url, payload)
    [got] = receiver.requests
    assert got["method"] == "POST"
    assert got["path"] == "/cgi-bin/webhook/send?key=SECRET-KEY"
    assert got["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert int(got["headers"]["Content-Length"]) == len(got["body"])
    assert json.loads(got["body"].decode("utf-8")) == payload
    assert "读网".encode() in got["body"]  # raw UTF-8, not \u escapes


def _one_line_error(exc: pytest.ExceptionInfo[NotifyError]) -> str:
    message = str(exc.value)
    assert isinstance(exc.value, DuwangError)
    assert message and "\n" not in message
    assert "SECRET-KEY" not in message  # the robot token stays out of logs
    return message


def test_http_500_raises(receiver: Receiver) -> None:
    receiver.status, receiver.answer = 500, b"boom\nwith lines"
    with pytest.raises(NotifyError) as exc:
        post_webhook(receiver.url, build_payload(SUMMARY))
    assert "HTTP 500" in _one_line_error(exc)


def test_robot_refusal_in_a_200_answer_raises(receiver: Receiver) -> None:
    receiver.answer = json.dumps({"errcode": 310000, "errmsg": "keywords not in content"}).encode()
    with pytest.raises(NotifyError) as exc:
        post_webhook(receiver.url, build_payload(SUMMARY))
    assert "310000" in _one_line_error(exc)


@pytest.mark.parametrize("answer", [b'{"errcode":0,"errmsg":"ok"}', b"", b"OK", b'{"status":"ok"}'])
def test_other_2xx_answers_are_success(receiver: Receiver, answer: bytes) -> None:
    receiver.answer = answer
    post_webhook(receiver.url, build_payload(SUMMARY, "json"))
    assert len(receiver.requests) == 1


def test_refused_connection_raises() -> None:
    url = f"http://127.0.0.1:{closed_port()}/hook?access_token=SECRET-KEY"
    with pytest.raises(NotifyError) as exc:
        post_webhook(url, build_payload(SUMMARY), timeout=5)
    assert "refused" in _one_line_error(exc)


def test_timeout_raises(receiver: Receiver) -> None:
    receiver.delay = 3
    started = time.monotonic()
    with pytest.raises(NotifyError) as exc:
        post_webhook(receiver.url, build_payload(SUMMARY), timeout=0.5)
    assert time.monotonic() - started < 2.5
    assert "did not answer within 0.5 s" in _one_line_error(exc)


@pytest.mark.parametrize("url", ["ftp://example.org/hook", "not a url", "http://"])
def test_bad_url_raises(url: str) -> None:
    with pytest.raises(NotifyError) as exc:
        post_webhook(url, {"msgtype": "text", "text": {"content": "x"}}, timeout=2)
    _one_line_error(exc)
