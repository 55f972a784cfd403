"""The check pool: results, and the snapshot kept of a page with findings (masked)."""

from __future__ import annotations

import zlib

import pytest

from crawler.textcheck.pool import CheckPool

ID = "360426199101010071"
DIRTY = f"<html><body><p>再接再励</p><p>身份证号 {ID}</p></body></html>".encode("gbk")
CLEAN = "<html><body><p>正文</p></body></html>".encode()


@pytest.mark.parametrize("workers", [0, 1])
def test_results_and_masked_snapshots(workers: int) -> None:
    got = {}
    pool = CheckPool([], lambda url, hits, snap: got.update({url: (hits, snap)}), workers=workers)
    pool.submit("dirty", DIRTY, "gbk")
    pool.submit("clean", CLEAN, "utf-8")
    pool.close()
    hits, snap = got["dirty"]
    assert {h.kind for h in hits} == {"wording", "privacy"}
    html = zlib.decompress(snap).decode("utf-8")
    assert "再接再励" in html and "360426********0071" in html and ID not in html
    assert got["clean"] == ([], None)
