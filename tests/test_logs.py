"""The rotating log file: UTF-8 lines on the root logger, real rotation, one-line errors for bad paths."""

from __future__ import annotations

import logging
import logging.config
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.errors import DuwangError
from crawler.logs import DuwangFileHandler, LogFileError, setup_file_logging


@pytest.fixture(autouse=True)
def restore_root() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.setLevel(logging.WARNING)
    yield root
    for h in root.handlers[:]:
        if h not in handlers:
            root.removeHandler(h)
            h.close()
    root.setLevel(level)


def ours(root: logging.Logger) -> list[logging.Handler]:
    return [h for h in root.handlers if isinstance(h, DuwangFileHandler)]


def flush(root: logging.Logger) -> None:
    for h in ours(root):
        h.flush()


def test_writes_plain_utf8_lines_at_level(tmp_path: Path, restore_root: logging.Logger) -> None:
    path = tmp_path / "crawl.log"
    setup_file_logging(str(path), "info")
    log = logging.getLogger("crawler.test")
    log.debug("调试信息 hidden")
    log.info("巡检完成 %s", "示范区人民政府")
    log.warning("webhook 发送失败")
    flush(restore_root)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("[crawler.test] INFO: 巡检完成 示范区人民政府")
    assert lines[1].endswith("[crawler.test] WARNING: webhook 发送失败")
    assert lines[0][:4].isdigit() and lines[0][4] == "-"  # starts with the date
    assert restore_root.level == logging.INFO  # lowered from WARNING so INFO reaches the file


def test_root_level_is_never_raised(tmp_path: Path, restore_root: logging.Logger) -> None:
    restore_root.setLevel(logging.DEBUG)
    setup_file_logging(str(tmp_path / "a.log"), "ERROR")
    assert restore_root.level == logging.DEBUG
    restore_root.setLevel(logging.NOTSET)  # as Scrapy leaves it
    setup_file_logging(str(tmp_path / "a.log"), "INFO")
    assert restore_root.level == logging.NOTSET


def test_rotation_happens(tmp_path: Path, restore_root: logging.Logger) -> None:
    path = tmp_path / "crawl.log"
    setup_file_logging(str(path), max_bytes=300, backups=2)
    log = logging.getLogger("crawler.rotate")
    for i in range(60):
        log.info("第%03d行 死链检查 %s", i, "x" * 20)
    flush(restore_root)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["crawl.log", "crawl.log.1", "crawl.log.2"]
    for name in files:
        data = (tmp_path / name).read_bytes()
        assert 0 < len(data) <= 300
        data.decode("utf-8")  # never split inside a character
    assert "第059行" in path.read_text(encoding="utf-8")  # the newest record is in the live file
    assert "第000行" not in "".join((tmp_path / n).read_text(encoding="utf-8") for n in files)


def test_second_call_replaces_the_handler(tmp_path: Path, restore_root: logging.Logger) -> None:
    setup_file_logging(str(tmp_path / "one.log"))
    setup_file_logging(str(tmp_path / "two.log"))
    [handler] = ours(restore_root)
    assert Path(handler.baseFilename) == tmp_path / "two.log"
    logging.getLogger("crawler.test").warning("once")
    flush(restore_root)
    assert (tmp_path / "two.log").read_text(encoding="utf-8").count("once") == 1
    assert (tmp_path / "one.log").read_text(encoding="utf-8") == ""


def test_survives_a_later_dictconfig(tmp_path: Path, restore_root: logging.Logger) -> None:
    """Scrapy's configure_logging runs dictConfig, which closes every existing handler."""
    path = tmp_path / "crawl.log"
    setup_file_logging(str(path))
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    logging.getLogger("crawler.test").info("after dictConfig")
    flush(restore_root)
    assert "after dictConfig" in path.read_text(encoding="utf-8")


def test_appends_to_an_existing_file(tmp_path: Path, restore_root: logging.Logger) -> None:
    path = tmp_path / "crawl.log"
    path.write_text("earlier night\n", encoding="utf-8")
    setup_file_logging(str(path))
    logging.getLogger("crawler.test").info("tonight")
    flush(restore_root)
    assert path.read_text(encoding="utf-8").startswith("earlier night\n")


def _error(path: str, **kwargs: object) -> str:
    with pytest.raises(LogFileError) as exc:
        setup_file_logging(path, **kwargs)  # type: ignore[arg-type]
    assert isinstance(exc.value, DuwangError)
    message = str(exc.value)
    assert message and "\n" not in message
    return message


def test_missing_folder(tmp_path: Path, restore_root: logging.Logger) -> None:
    message = _error(str(tmp_path / "no-such-dir" / "crawl.log"))
    assert "does not exist" in message and "no-such-dir" in message
    assert ours(restore_root) == []


def test_path_is_a_directory(tmp_path: Path) -> None:
    assert "is a directory" in _error(str(tmp_path))


def test_parent_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    assert "does not exist" in _error(str(tmp_path / "plain" / "crawl.log"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert "Permission denied" in _error(str(folder / "crawl.log"))
    finally:
        folder.chmod(0o700)


def test_unwritable_file_as_root_too(tmp_path: Path) -> None:
    """/proc files refuse appends even for root: the open error becomes a LogFileError."""
    if not Path("/proc/version").exists():
        pytest.skip("no /proc")
    assert "cannot open log file" in _error("/proc/version")


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"level": "LOUD"}, "log level"),
    ({"max_bytes": 0}, "size limit"),
    ({"backups": -1}, "negative"),
])
def test_bad_options(tmp_path: Path, kwargs: dict[str, object], words: str) -> None:
    assert words in _error(str(tmp_path / "crawl.log"), **kwargs)


def test_empty_path() -> None:
    assert "empty" in _error("")
