"""Attachment text (crawler/attachments.py): each format read and located, unreadable
files reported with a reason, never raised. Files are made here, with our own text."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from crawler.attachments import extract, is_attachment, sniff

TEXT = "各单位要再接再励，申请人身份证号360426199101010071。"
CHROMIUM = shutil.which("chromium")
# A 1x1 PNG: a "scanned" page with no text at all.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--no-pdf-header-footer"]


def _pdf(tmp_path, body: str) -> bytes:
    if CHROMIUM is None:
        pytest.skip("chromium makes the PDFs here (apt-get install chromium)")
    page = tmp_path / "page.html"
    page.write_text(f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>', encoding="utf-8")
    out = tmp_path / "out.pdf"
    subprocess.run([CHROMIUM, *FLAGS, f"--print-to-pdf={out}", page.as_uri()],
                   capture_output=True, timeout=60, check=True)
    return out.read_bytes()


def _docx(paragraphs: list[str]) -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p[:3]}</w:t></w:r><w:r><w:t>{p[3:]}</w:t></w:r></w:p>"
                   for p in paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", f'<w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>')
    return buf.getvalue()


def test_pdf_pages(tmp_path):
    data = _pdf(tmp_path, f'<p>{TEXT}</p><div style="page-break-after:always"></div><p>第二页正文</p>')
    got = extract(data, "a.pdf")
    assert (got.kind, got.problem) == ("pdf", None)
    assert [(p.where, p.text) for p in got.pieces] == [("第1页", TEXT), ("第2页", "第二页正文")]


def test_a_scanned_pdf_is_not_checked_and_says_why(tmp_path):
    png = base64.b64encode(PIXEL).decode()
    scanned = _pdf(tmp_path, f'<img src="data:image/png;base64,{png}" width="600" height="800">')
    got = extract(scanned, "s.pdf")
    assert got.pieces == [] and "扫描图像" in got.problem


def test_docx_paragraphs():
    got = extract(_docx(["通知如下：", TEXT, "", "特此通知。"]), "a.docx")
    assert (got.kind, got.problem) == ("docx", None)
    assert [(p.where, p.text) for p in got.pieces] == [
        ("第1段", "通知如下："), ("第2段", TEXT), ("第4段", "特此通知。"),
    ]


def test_xlsx_rows_keep_cells_apart():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(["序号", "姓名", "身份证号", "手机"])
    sheet.append([1, "张三", "360426199101010071", 13812345678])
    buf = io.BytesIO()
    book.save(buf)
    got = extract(buf.getvalue(), "list.xlsx")
    assert (got.kind, got.problem) == ("xlsx", None)
    assert [(p.where, p.text) for p in got.pieces] == [
        ("名单!第1行", "序号\t姓名\t身份证号\t手机"),
        ("名单!第2行", "1\t张三\t360426199101010071\t13812345678"),
    ]
    assert got.rows[1][3] == "13812345678"


def test_ofd_pages():
    buf = io.BytesIO()
    ns = "http://www.ofdspec.org/2016"
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("OFD.xml", f'<ofd:OFD xmlns:ofd="{ns}"/>')
        for n, text in enumerate(["第一页正文", TEXT]):
            zf.writestr(f"Doc_0/Pages/Page_{n}/Content.xml",
                        f'<ofd:Page xmlns:ofd="{ns}"><ofd:Content><ofd:Layer><ofd:TextObject>'
                        f"<ofd:TextCode X=\"0\" Y=\"0\">{text}</ofd:TextCode></ofd:TextObject>"
                        "</ofd:Layer></ofd:Content></ofd:Page>")
    got = extract(buf.getvalue(), "a.ofd")
    assert [(p.where, p.text) for p in got.pieces] == [("第1页", "第一页正文"), ("第2页", TEXT)]


@pytest.mark.parametrize(
    "data, name, words",
    [
        (b"%PDF-1.7\nnot really a pdf", "a.pdf", "损坏"),
        (b"PK\x03\x04broken zip", "a.docx", "损坏"),
        (b"GIF89a....", "a.pdf", "不是支持的"),
        (_docx(["x"])[:200], "a.docx", "损坏"),
    ],
)
def test_unreadable_files_are_reported_not_raised(data, name, words):
    got = extract(data, name)
    assert got.pieces == [] and words in got.problem


def test_an_old_word_file_without_antiword_says_what_it_needs(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    got = extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "old.doc")
    assert got.kind == "doc" and "antiword" in got.problem


def test_extraction_is_bounded_in_time():
    got = extract(_docx(["再接再励"] * 50_000), "big.docx", time_limit=0.0)
    assert got.pieces == [] and "秒" in got.problem


def test_what_counts_as_an_attachment():
    assert is_attachment("http://x.gov.cn/files/%E9%80%9A%E7%9F%A5.PDF")
    assert is_attachment("http://x.gov.cn/a.xls?v=2")
    assert not is_attachment("http://x.gov.cn/a.html") and not is_attachment("http://x.gov.cn/pdf/")
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.wps") == "doc"


@pytest.fixture(scope="module")
def checker():
    from crawler.textcheck import TextChecker

    return TextChecker()


def test_an_attachments_findings_say_where_they_are(checker):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "公示名单"
    sheet.append(["序号", "姓名", "身份证号", "联系电话"])
    sheet.append([1, "张三", "360426199101010071", "13812345678"])
    sheet.append([2, "李四", "11010519491231002X", "13912345678"])
    sheet.append([3, "备注", "各单位要再接再励", ""])
    buf = io.BytesIO()
    book.save(buf)
    got = extract(buf.getvalue(), "list.xlsx")
    hits = checker.check_pieces([(p.where, p.text) for p in got.pieces], tables=[got.rows])
    def where(h) -> str:
        return h.context.split("〕")[0] + "〕" if "〕" in h.context else ""

    found = sorted((h.category, h.text, where(h)) for h in hits)
    assert found == [
        ("id_number", "110105********002X", "〔公示名单!第3行〕"),
        ("id_number", "360426********0071", "〔公示名单!第2行〕"),
        ("mobile", "138****5678", "〔公示名单!第2行〕"),
        ("mobile", "139****5678", "〔公示名单!第3行〕"),
        ("personal_list", "姓名与身份证号、联系电话名单（2 行）", ""),
        ("typo", "再接再励", "〔公示名单!第4行〕"),
    ]
    assert {h.field for h in hits} == {"attachment"}
    assert all("360426199101010071" not in h.context for h in hits)
