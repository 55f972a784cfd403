"""Text of attachments (附件): PDF, DOCX, XLSX, XLS, DOC/WPS and OFD, located for a reader.

Each file gives pieces of text with where they are: the page of a PDF or OFD, the row of a
spreadsheet (sheet and row; cells are joined by tabs), the paragraph of a document. A file
that cannot be read (encrypted, corrupt, scanned images without text, a type that needs a
tool that is not installed) gives no pieces and a reason in Chinese: it is listed as not
checked, never a failure of the run. No Scrapy here: this runs on the check worker.

Libraries: pypdfium2 for PDF (Apache/BSD; PDFium is what Chrome uses); python-calamine for
spreadsheets (XLSX and the old XLS alike); DOCX and OFD are zips of XML, read with lxml;
old Word files (DOC, and WPS files that are Word binaries) with Debian's antiword.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from lxml import etree

if TYPE_CHECKING:
    from crawler.textcheck.hits import Hit
    from crawler.textcheck.matcher import TextChecker

EXTENSIONS = (".pdf", ".docx", ".xlsx", ".xls", ".doc", ".wps", ".ofd")
# Bumped when extraction changes: a file read by an older version is read again.
VERSION = 1
MAX_BYTES = 20 * 1024 * 1024  # the default bound on a download (DUWANG_ATTACHMENT_MAX_BYTES)
TIME_LIMIT = 20.0  # seconds of extraction per file

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Piece:
    where: str  # 第3页 / 名单!第4行 / 第12段
    text: str
    sheet: str = ""  # a spreadsheet row's sheet and row number: its hits are located by cell
    row: int = 0

    def locate(self, offset: int) -> str:
        """Where the character at ``offset`` is: 名单!C4 for a cell of a spreadsheet row."""
        if not self.sheet:
            return self.where
        return f"{self.sheet}!{column_letters(self.text.count(chr(9), 0, offset))}{self.row}"


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: a spreadsheet column as Excel names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Extracted:
    kind: str  # pdf | docx | xlsx | xls | doc | ofd | unknown
    pieces: list[Piece] = field(default_factory=list)
    problem: str | None = None  # why it was not (wholly) checked, in Chinese
    timed_out: bool = False  # the problem is this reading's, not the file's: read it again

    @property
    def rows(self) -> list[list[str]]:
        """A spreadsheet's rows, for the name-list check (cells split back)."""
        return [p.text.split("\t") for p in self.pieces] if self.kind in ("xlsx", "xls") else []


def signature() -> str:
    """What an unchanged file's last reading depends on besides its bytes: this module's
    version and the tools found (a DOC read once antiword is installed)."""
    return f"files{VERSION}:{'antiword' if shutil.which('antiword') else '-'}"


def is_attachment(url: str) -> bool:
    path = unquote(urlsplit(url).path).lower()
    return path.endswith(EXTENSIONS)


def extract(data: bytes, name: str = "", time_limit: float = TIME_LIMIT) -> Extracted:
    """The text pieces of a file, by its content (the name only breaks ties)."""
    deadline = time.monotonic() + time_limit
    kind = sniff(data, name)
    try:
        if kind == "pdf":
            return _pdf(data, deadline)
        if kind in ("docx", "xlsx", "ofd"):
            return {"docx": _docx, "xlsx": _sheets, "ofd": _ofd}[kind](data, deadline, kind)
        if kind == "xls":
            return _sheets(data, deadline, kind)
        if kind == "doc":
            return _doc(data, time_limit)
    except _TooSlow:
        return Extracted(kind, problem=f"未检查：提取文字超过 {time_limit:g} 秒", timed_out=True)
    except Exception as exc:  # a hostile or broken file: reported, never raised
        return Extracted(kind, problem=f"未检查：文件无法读取（{type(exc).__name__}）")
    if kind == "corrupt":
        return Extracted(kind, problem="未检查：文件损坏，无法打开")
    return Extracted("unknown", problem="未检查：不是支持的附件格式")


def check_file(checker: TextChecker, data: bytes, name: str = "",
               time_limit: float = TIME_LIMIT) -> tuple[Extracted, list[Hit]]:
    """A file read and its text checked, as the crawl's check worker and recheck do: each
    hit's context led by where it is (第2页, 名单!C4, 第3段); a sheet's rows go to the
    name-list check."""
    got = extract(data, name, time_limit)
    pieces = got.pieces
    if not pieces:
        return got, []
    hits = checker.check_pieces([(p.where, p.text) for p in pieces], tables=[got.rows] if got.rows else [],
                                locate=lambda i, at: pieces[i].locate(at))
    return got, hits


def sniff(data: bytes, name: str = "") -> str:
    suffix = PurePosixPath(name.lower()).suffix
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return "corrupt"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "OFD.xml" in names:
            return "ofd"
        return "unknown"
    if data.startswith(_OLE):
        return "xls" if suffix in (".xls", ".et") else "doc"  # WPS 文字 files are Word binaries
    return "unknown"


class _TooSlow(Exception):
    pass


def _in_time(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise _TooSlow


def _pdf(data: bytes, deadline: float) -> Extracted:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            return Extracted("pdf", problem="未检查：文件已加密")
        return Extracted("pdf", problem="未检查：PDF 文件损坏，无法打开")
    out = Extracted("pdf")
    try:
        for i in range(len(pdf)):
            _in_time(deadline)
            page = pdf[i]
            text = page.get_textpage().get_text_range().replace("\r\n", "\n").strip()
            if text:
                out.pieces.append(Piece(f"第{i + 1}页", text))
    finally:
        pdf.close()
    if not out.pieces and len(data) > 0:
        out.problem = "未检查：扫描图像，无可提取的文字（不做文字识别）"
    return out


def _xml(zf: zipfile.ZipFile, member: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(zf.read(member), parser)


def _docx(data: bytes, deadline: float, kind: str) -> Extracted:
    zf = zipfile.ZipFile(io.BytesIO(data))
    root = _xml(zf, "word/document.xml")
    out = Extracted(kind)
    for n, para in enumerate(root.iter(f"{_W}p"), start=1):
        if n % 200 == 0:
            _in_time(deadline)
        text = "".join(t.text or "" for t in para.iter(f"{_W}t")).strip()
        if text:
            out.pieces.append(Piece(f"第{n}段", text))
    return out


def _ofd(data: bytes, deadline: float, kind: str) -> Extracted:
    """OFD (GB/T 33190): each page's Content.xml holds TextObject/TextCode elements."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    pages = sorted((m for m in zf.namelist() if m.endswith("/Content.xml") and "/Page_" in m),
                   key=lambda m: (len(m), m))
    out = Extracted(kind)
    for n, member in enumerate(pages, start=1):
        _in_time(deadline)
        root = _xml(zf, member)
        text = "".join(el.text or "" for el in root.iter() if isinstance(el.tag, str)
                       and el.tag.rsplit("}", 1)[-1] == "TextCode").strip()
        if text:
            out.pieces.append(Piece(f"第{n}页", text))
    return out


def _sheets(data: bytes, deadline: float, kind: str) -> Extracted:
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        return Extracted(kind, problem="未检查：文件已加密")
    out = Extracted(kind)
    for name in book.sheet_names:
        _in_time(deadline)
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for r, row in enumerate(rows, start=1):
            cells = ["" if v is None else _cell(v) for v in row]
            if any(cells):
                out.pieces.append(Piece(f"{name}!第{r}行", "\t".join(cells), name, r))
    return out


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


def _doc(data: bytes, time_limit: float) -> Extracted:
    tool = shutil.which("antiword")
    if tool is None:
        return Extracted("doc", problem="未检查：需要安装 antiword 才能读取 DOC/WPS 文件")
    try:
        proc = subprocess.run([tool, "-m", "UTF-8.txt", "-"], input=data, capture_output=True,
                              timeout=time_limit, check=False)
    except subprocess.TimeoutExpired:
        raise _TooSlow from None
    if proc.returncode != 0:
        return Extracted("doc", problem="未检查：DOC 文件无法读取")
    text = proc.stdout.decode("utf-8", "replace")
    paragraphs = [p.strip() for p in text.split("\n\n")]
    return Extracted("doc", [Piece(f"第{n}段", p) for n, p in enumerate(paragraphs, start=1) if p])
