"""Tables kept on disk between processes (crawler/textcheck/cache.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from crawler.textcheck import cache
from tests.conftest import REPO


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("DUWANG_CACHE_DIR", str(folder))
    return folder


def test_a_table_is_built_once_and_read_back(cache_dir):
    builds = []

    def build():
        builds.append(1)
        return {"再接再励": ("再接再厉",)}

    first = cache.cached("t", ("a",), build)
    second = cache.cached("t", ("a",), build)
    assert first == second == {"再接再励": ("再接再厉",)}
    assert len(builds) == 1
    assert len(list(cache_dir.glob("t-*.pickle"))) == 1


def test_other_inputs_are_another_entry(cache_dir):
    assert cache.cached("t", ("a",), lambda: 1) == 1
    assert cache.cached("t", ("b",), lambda: 2) == 2
    assert cache.cached("t", ("a",), lambda: 3) == 1


def test_a_corrupt_entry_is_rebuilt(cache_dir):
    cache.cached("t", (), lambda: [1, 2])
    [path] = cache_dir.glob("t-*.pickle")
    path.write_bytes(b"\x80\x05not a pickle")
    assert cache.cached("t", (), lambda: [3]) == [3]
    assert cache.cached("t", (), lambda: [4]) == [3]  # the rebuilt value was stored


def test_an_unwritable_folder_means_building_each_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("DUWANG_CACHE_DIR", str(blocker / "cache"))  # under a file: cannot exist
    assert cache.cached("t", (), lambda: 5) == 5
    assert cache.cached("t", (), lambda: 6) == 6


def test_check_text_finds_the_same_with_and_without_the_cache(tmp_path):
    """The finders read back from disk find what freshly built ones find."""
    draft = tmp_path / "draft.txt"
    draft.write_text("中华人民大和国成立以来，各地游客络绎不决。有价证卷要管好。\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "DUWANG_CACHE_DIR": str(tmp_path / "c")}
    runs = [
        subprocess.run([sys.executable, "-m", "crawler.cli", "check-text", str(draft), "--format", "jsonl"],
                       cwd=REPO, env=env, capture_output=True, text=True)
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [1, 1], runs[0].stderr
    assert runs[0].stdout == runs[1].stdout
    for wrong in ("中华人民大和国", "络绎不决", "有价证卷"):
        assert wrong in runs[0].stdout
    names = sorted(p.name.split("-")[0] for p in (tmp_path / "c").iterdir())
    assert names == ["jieba", "nearmiss", "readings", "script", "suspect"]


def test_the_code_digest_is_the_code_loaded_not_the_files_now(tmp_path):
    """An upgrade that replaces the files under a running process must not make it store
    tables built by its old code under the new code's name."""
    import importlib.util
    import shutil

    from crawler.textcheck import cache as real

    def load(folder, name):
        spec = importlib.util.spec_from_file_location(name, folder / "cache.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    for folder in (tmp_path / "running", tmp_path / "same"):
        folder.mkdir()
        shutil.copy(real.__file__, folder / "cache.py")
        (folder / "finder.py").write_text("WORDS = 1\n")
    running = load(tmp_path / "running", "running_cache")  # a crawl started last night
    old_code = load(tmp_path / "same", "old_cache")._code_digest()
    (tmp_path / "running" / "finder.py").write_text("WORDS = 2\n")  # the upgrade lands
    assert running._code_digest() == old_code
    assert load(tmp_path / "running", "new_cache")._code_digest() != old_code  # started after it
