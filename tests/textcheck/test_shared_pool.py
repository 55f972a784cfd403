"""Sites crawled side by side in one process share one check worker (crawler/textcheck/shared.py):
each pool still gets its own pages' results, and the worker stops with the last pool."""

from __future__ import annotations

from crawler.textcheck.pool import CheckPool

DIRTY = "<html><body><p>再接再励</p></body></html>".encode()
CLEAN = "<html><body><p>正文</p></body></html>".encode()


def test_pools_share_one_worker_and_keep_their_own_results() -> None:
    got: dict[str, dict] = {"a": {}, "b": {}}
    a = CheckPool([], lambda url, hits, snap: got["a"].update({url: hits}), workers=1)
    b = CheckPool([], lambda url, hits, snap: got["b"].update({url: hits}), workers=1)
    other = CheckPool([], lambda url, hits, snap: None, workers=2)  # other settings: its own
    assert a._executor is b._executor
    assert other._executor is not a._executor
    other.close()
    a.submit("a1", DIRTY, "utf-8")
    b.submit("b1", CLEAN, "utf-8")
    b.submit("b2", DIRTY, "utf-8")
    executor = a._executor
    a.close()
    assert got["a"].keys() == {"a1"} and {h.kind for h in got["a"]["a1"]} == {"wording"}
    assert not executor._shutdown_thread  # b still uses it
    b.close()
    assert got["b"].keys() == {"b1", "b2"} and got["b"]["b1"] == [] and got["b"]["b2"]
    assert executor._shutdown_thread
    c = CheckPool([], lambda url, hits, snap: None, workers=1)
    assert c._executor is not executor  # the next site after the last closed starts one afresh
    c.close()
