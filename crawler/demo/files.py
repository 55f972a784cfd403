"""Attachments (附件) made in code, for the demo portal, the tests and the benchmark portal.

No binary is committed: each file is written here from its text, in the smallest form its
readers accept (crawler/attachments.py reads them back):

- ``pdf``: one page per list of lines; the text in a CID font with a ToUnicode map, so PDF
  readers extract the very characters written (no font is embedded: a viewer shows them in
  a font of its own). ``encrypted=True`` adds a standard security handler whose password
  is not empty (the file cannot be opened without it); ``scanned_pdf`` is a page with an
  image and no text, as a scanner makes.
- ``docx``: paragraphs in a minimal WordprocessingML package.
- ``xlsx``: sheets of rows, written with openpyxl.
- ``xls``: sheets of rows in BIFF8 (Excel 97-2003) inside an OLE2 compound file.

Standard library and openpyxl only.
"""

from __future__ import annotations

import io
import struct
import zipfile
from xml.sax.saxutils import escape

Rows = list[list[str | int | float]]

# --- PDF ------------------------------------------------------------------------------


def _pdf_file(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """A PDF of `objects` (object n is objects[n-1]; object 1 is the catalog)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, trailer_extra, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _to_unicode(chars: set[str]) -> bytes:
    """A ToUnicode CMap: each 2-byte code is the character's own code point."""
    ranges = sorted({ord(c) >> 8 for c in chars})
    lines = [b"<%02X00> <%02XFF> <%02X00>" % (hi, hi, hi) for hi in ranges]
    body = b"\n".join(lines)
    return (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            b"%d beginbfrange\n" % len(lines) + body + b"\nendbfrange\n"
            b"endcmap CMapName currentdict /CMap defineresource pop end end")


def pdf(pages: list[list[str]], *, encrypted: bool = False, image: bytes = b"") -> bytes:
    """A PDF with one page per list of text lines (characters of the Unicode BMP).
    ``image``: grey pixels of a picture drawn under the first page's text (a scanned seal,
    a photo: what makes a real attachment's bytes)."""
    chars = {c for lines in pages for line in lines for c in line} or {" "}
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages' numbers are known
        b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
        b"/DescendantFonts [4 0 R] /ToUnicode 6 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 5 0 R "
        b"/DW 1000 /CIDToGIDMap /Identity >>",
        b"<< /Type /FontDescriptor /FontName /SimSun /Flags 6 /FontBBox [0 -141 1000 859] "
        b"/ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 683 /StemV 80 >>",
        _stream(_to_unicode(chars)),
    ]
    picture = b""
    if image:
        side = int(len(image) ** 0.5)
        kind = b"/Type /XObject /Subtype /Image /Width %d /Height %d " % (side, side)
        objects.append(_stream(image[:side * side], kind + b"/ColorSpace /DeviceGray /BitsPerComponent 8 "))
        picture = b" /XObject << /Im1 %d 0 R >>" % len(objects)
    first_page = len(objects) + 1
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(len(pages))), len(pages))
    for i, lines in enumerate(pages):
        shown = b" T* ".join(b"<%s> Tj" % line.encode("utf-16-be").hex().upper().encode() for line in lines)
        content = b"BT /F1 12 Tf 14 TL 56 780 Td " + shown + b" ET"
        draw = picture if i == 0 else b""
        if draw:
            content = b"q 200 0 0 200 340 40 cm /Im1 Do Q " + content
        n = len(objects) + 1
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                       b"/Resources << /Font << /F1 3 0 R >>%s >> /Contents %d 0 R >>" % (draw, n + 1))
        objects.append(_stream(content))
    extra = b""
    if encrypted:
        # RC4 40-bit (R2) with a user password: the O and U entries were not made from an
        # empty password, so no reader opens the file without the one it was given.
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -44 >>"
                       % (b"5A" * 32, b"C3" * 32))
        extra = b"/Encrypt %d 0 R /ID [<%s> <%s>] " % (len(objects), b"01" * 16, b"01" * 16)
    return _pdf_file(objects, extra)


def scanned_pdf() -> bytes:
    """A page holding one grey image and no text at all (a scan without OCR)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>",
        _stream(b"\x80" * 16, b"/Type /XObject /Subtype /Image /Width 4 /Height 4 "
                              b"/ColorSpace /DeviceGray /BitsPerComponent 8 "),
        _stream(b"q 480 0 0 700 56 70 cm /Im1 Do Q"),
    ]
    return _pdf_file(objects)


# --- DOCX ------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(paragraphs: list[str], media: bytes = b"") -> bytes:
    """A Word document, one paragraph per string; ``media``: a picture's bytes, stored in it."""
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>' for p in paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'))
        zf.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>'))
        zf.writestr("word/document.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'))
        if media:
            zf.writestr(zipfile.ZipInfo("word/media/image1.png"), media, zipfile.ZIP_STORED)
    return buf.getvalue()


# --- XLSX ------------------------------------------------------------------------------


def xlsx(sheets: dict[str, Rows], media: bytes = b"") -> bytes:
    """A workbook of named sheets of rows; ``media``: a picture's bytes, stored in it."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    if media:
        with zipfile.ZipFile(buf, "a") as zf:
            zf.writestr(zipfile.ZipInfo("xl/media/image1.png"), media, zipfile.ZIP_STORED)
    return buf.getvalue()


# --- XLS (BIFF8 in an OLE2 compound file) -----------------------------------------------


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))


def _unicode(text: str, length_bytes: str = "<H") -> bytes:
    return struct.pack(length_bytes, len(text)) + b"\x01" + text.encode("utf-16-le")


def _sheet_stream(rows: Rows, strings: dict[str, int]) -> bytes:
    width = max((len(r) for r in rows), default=0)
    out = _bof(0x0010) + _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, int | float) and not isinstance(value, bool):
                out += _record(0x0203, struct.pack("<HHHd", r, c, 0, float(value)))
            elif value != "":
                out += _record(0x00FD, struct.pack("<HHHI", r, c, 0, strings[str(value)]))
    return out + _record(0x000A)


def xls(sheets: dict[str, Rows]) -> bytes:
    """An Excel 97-2003 workbook of named sheets of rows (text and numbers)."""
    strings: dict[str, int] = {}
    for rows in sheets.values():
        for row in rows:
            for value in row:
                if isinstance(value, str) and value:
                    strings.setdefault(value, len(strings))
    sst = _record(0x00FC, struct.pack("<II", len(strings), len(strings))
                  + b"".join(_unicode(s) for s in strings))
    bodies = [_sheet_stream(rows, strings) for rows in sheets.values()]

    def globals_with(offsets: list[int]) -> bytes:
        bound = b"".join(_record(0x0085, struct.pack("<IBB", at, 0, 0) + _unicode(name, "<B"))
                         for at, name in zip(offsets, sheets, strict=True))
        return _bof(0x0005) + _record(0x0042, struct.pack("<H", 1200)) + bound + sst + _record(0x000A)

    size = len(globals_with([0] * len(sheets)))  # the offsets do not change the length
    offsets = []
    for body in bodies:
        offsets.append(size)
        size += len(body)
    return _compound_file("Workbook", globals_with(offsets) + b"".join(bodies))


_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _compound_file(name: str, stream: bytes) -> bytes:
    """An OLE2 (CFB v3) file holding one stream: FAT, the stream's sectors, the directory."""
    stream = stream.ljust(4096, b"\0")  # at the mini-stream cutoff or above: plain sectors
    sectors = -(-len(stream) // 512)
    if sectors > 126:
        raise ValueError("a stream this large needs more than one FAT sector")
    fat = [_FAT, *range(2, sectors + 1), _END, _END]
    fat += [_FREE] * (128 - len(fat))
    directory_sector = sectors + 1
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, directory_sector, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108)

    def entry(title: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = title.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", _FREE, _FREE, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IIi", start, size, 0))

    empty = b"\0" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", _FREE, _FREE, _FREE) + b"\0" * 48
    directory = entry("Root Entry", 5, 1, _END, 0) + entry(name, 2, _FREE, 1, len(stream)) + empty * 2
    return (header + struct.pack("<128I", *fat) + stream.ljust(sectors * 512, b"\0") + directory)
