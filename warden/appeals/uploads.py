"""What an uploaded file really is, judged by its bytes (never by its name or declared type).

Accepts PNG, JPEG, WebP and PDF, each parsed far enough to catch truncation, appended payloads and active
content: PNG chunks are walked with their CRCs up to IEND at the very end; JPEG segments are walked from SOI
through the frame and scan(s) to EOI at the very end, with markup in comment or application segments refused;
a WebP's RIFF size must equal the file's; a PDF is opened with pikepdf (qpdf), which decodes escaped names
(`/J#61vaScript` is `/JavaScript`) and compressed object streams, and every object is walked for active content
(`PDF_ACTIVE_ACTIONS`, `PDF_ACTIVE_KEYS`, `PDF_ACTIVE_SUBTYPES`). Pure: bytes in, a verdict out.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any

import pikepdf


@dataclass(frozen=True)
class Sniffed:
    media_type: str
    size: int
    sha256: str


class UploadRejected(Exception):
    """A refused upload, with a stable code and texts for people."""

    def __init__(self, code: str, en: str, zh: str) -> None:
        super().__init__(en)
        self.code = code
        self.en = en
        self.zh = zh


PNG_SIG = b"\x89PNG\r\n\x1a\n"


def _png(data: bytes) -> str | None:
    pos = len(PNG_SIG)
    first = True
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            return "a PNG chunk runs past the end of the file (truncated)"
        if first and ctype != b"IHDR":
            return "a PNG must start with its IHDR chunk"
        first = False
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(data[pos + 4 : end - 4]) != crc:
            return f"PNG chunk {ctype!r} is corrupt (CRC mismatch)"
        if ctype == b"IEND":
            return None if end == len(data) else "data follows the PNG's end (IEND)"
        pos = end
    return "the PNG has no IEND chunk (truncated)"


# --- JPEG: the segments of ITU T.81 (B.1.1.2) -----------------------------------------------------------------

_SOI, _EOI, _SOS, _COM = 0xD8, 0xD9, 0xDA, 0xFE
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0–7: markers without a length
_SOF = {*range(0xC0, 0xD0)} - {0xC4, 0xC8, 0xCC}  # start of frame (DHT, JPG and DAC share the range)
_MARKUP = re.compile(rb"<\s*(?:script|html|body|iframe|svg|object|embed|\?php)\b|javascript:", re.IGNORECASE)
"""Markup a browser or interpreter would act on; refused in JPEG comment and application segments."""


def _jpeg(data: bytes) -> str | None:
    """Walk SOI, the marker segments, each scan's entropy-coded data, and EOI, which must end the file."""
    if data[:2] != b"\xff\xd8":
        return "the JPEG does not start with its SOI marker"
    pos, frame, scans = 2, False, 0
    while True:
        if pos >= len(data) or data[pos] != 0xFF:
            if pos >= len(data):
                return "the JPEG does not end with its EOI marker (truncated)"
            return f"the JPEG has data that is not a marker segment at byte {pos}"
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= len(data):
            return "the JPEG does not end with its EOI marker (truncated)"
        marker = data[pos]
        pos += 1
        if marker == _EOI:
            if not frame or not scans:
                return "the JPEG ends before it holds an image (no frame or no scan)"
            return None if pos == len(data) else "data follows the JPEG's end (EOI)"
        if marker in _STANDALONE:
            continue
        if marker < 0xC0:  # 0x00 is a stuffed byte, 0x02–0xBF are reserved: no segment starts so
            return f"the JPEG has data that is not a marker segment at byte {pos - 2}"
        if marker == _SOI:
            return f"the JPEG has a second start marker at byte {pos - 2}"
        if pos + 2 > len(data):
            return "a JPEG segment runs past the end of the file (truncated)"
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        end = pos + length
        if length < 2 or end > len(data):
            return "a JPEG segment runs past the end of the file (truncated)"
        body = data[pos + 2 : end]
        if (marker == _COM or 0xE0 <= marker <= 0xEF) and _MARKUP.search(body):
            return (
                f"the JPEG carries markup in its {'comment' if marker == _COM else 'metadata'}, which is not accepted"
            )
        frame = frame or marker in _SOF
        pos = end
        if marker == _SOS:
            if not frame:
                return "the JPEG has a scan before its frame header"
            scans += 1
            while True:  # entropy-coded data: 0xFF only as 0xFF00 (a stuffed byte) or a restart marker
                nxt = data.find(b"\xff", pos)
                if nxt < 0 or nxt + 1 >= len(data):
                    return "the JPEG does not end with its EOI marker (truncated)"
                if data[nxt + 1] == 0x00 or 0xD0 <= data[nxt + 1] <= 0xD7:
                    pos = nxt + 2
                    continue
                pos = nxt  # the next marker (after any fill bytes): back to the segments
                break


def _webp(data: bytes) -> str | None:
    (size,) = struct.unpack("<I", data[4:8])
    if size + 8 != len(data):
        return "the WebP's RIFF size does not match the file (truncated or with data appended)"
    return None


PDF_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/URI",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/Rendition",
        "/RichMediaExecute",
        "/Sound",
        "/Movie",
    }
)
"""Action types (`/S`) that run code, reach out, or open something outside the document."""
PDF_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/RichMedia", "/XFA"}
)
"""Keys that carry scripts, event-triggered actions (`/AA`), embedded files or XFA forms, wherever they appear."""
PDF_ACTIVE_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"})
"""Annotation subtypes that embed or play something."""
PDF_MAX_OBJECTS = 200_000
"""More objects than this is refused as too complex to check (a 10 MiB letter has a few thousand)."""


def _pdf(data: bytes) -> str | None:
    if b"%%EOF" not in data[-1024:]:
        return "the PDF has no %%EOF at its end (truncated)"
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                return "the PDF is encrypted, so its content cannot be checked; export it without a password"
            if len(pdf.objects) > PDF_MAX_OBJECTS:
                return f"the PDF has more than {PDF_MAX_OBJECTS} objects, too many to check"
            found = _pdf_active(pdf)
    except pikepdf.PasswordError:
        return "the PDF is encrypted, so its content cannot be checked; export it without a password"
    except (pikepdf.PdfError, RecursionError, ValueError) as exc:
        return f"the PDF cannot be read ({type(exc).__name__})"
    if found:
        return f"the PDF carries active content ({found.removeprefix('/')}), which is not accepted"
    return None


def _pdf_active(pdf: pikepdf.Pdf) -> str | None:
    """The first active-content marker in any object of `pdf` (those inside object streams included), or None.
    Direct objects are walked inside each indirect one; references are not followed (each is visited itself)."""
    stack: list[Any] = [pdf.trailer, *pdf.objects]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            for key, kinds in (("/S", PDF_ACTIVE_ACTIONS), ("/Subtype", PDF_ACTIVE_SUBTYPES)):
                value = obj.get(key)
                if isinstance(value, pikepdf.Name) and str(value) in kinds:
                    return str(value)
            keys = list(obj.keys())
            for key in keys:
                if key in PDF_ACTIVE_KEYS:
                    return "/JavaScript" if key == "/JS" else str(key)
            stack.extend(_direct(obj.get(key) for key in keys))
        elif isinstance(obj, pikepdf.Array):
            stack.extend(_direct(obj))
    return None


def _direct(values: Any) -> list[Any]:
    """The dictionaries and arrays among `values` held directly (not by reference): those the walk enters."""
    return [v for v in values if isinstance(v, pikepdf.Dictionary | pikepdf.Array) and not v.is_indirect]


def detect(data: bytes) -> str | None:
    """The media type the leading bytes claim, or None for anything else."""
    if data.startswith(PNG_SIG):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if re.match(rb"%PDF-[12]\.\d", data[:8]):
        return "application/pdf"
    return None


_CHECKS = {"image/png": _png, "image/jpeg": _jpeg, "image/webp": _webp, "application/pdf": _pdf}


def sniff(data: bytes, allowed: list[str], max_bytes: int) -> Sniffed:
    """Judge an upload; raises `UploadRejected` naming what is wrong."""
    if not data:
        raise UploadRejected("empty", "the file is empty", "文件为空")
    if len(data) > max_bytes:
        raise UploadRejected(
            "too_large",
            f"the file is larger than {max_bytes} bytes",
            f"文件超过 {max_bytes // 1024 // 1024 or 1} MB 上限",
        )
    media = detect(data)
    if media is None or media not in allowed:
        kinds = ", ".join(allowed)
        raise UploadRejected(
            "unsupported_type",
            f"the content is not one of the accepted types ({kinds}); the file name does not matter",
            f"文件内容不是允许的类型（{kinds}），与文件名无关",
        )
    problem = _CHECKS[media](data)
    if problem:
        raise UploadRejected("damaged", problem, "文件不完整或已损坏，请重新导出后上传")
    return Sniffed(media, len(data), hashlib.sha256(data).hexdigest())


# --- tiny valid files, for the demo and tests --------------------------------------------------------------


def tiny_png(seed: int = 0) -> bytes:
    """A valid 1×1 PNG; `seed` changes the pixel so each call can give distinct content."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = bytes([0, seed % 256, (seed * 7) % 256, (seed * 13) % 256])
    return PNG_SIG + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(pixel)) + chunk(b"IEND", b"")


def tiny_pdf(text: str = "warden") -> bytes:
    """A valid one-page PDF with a correct cross-reference table."""
    safe = text.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 12 Tf 20 100 Td (" + safe + b") Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out
