"""What an uploaded file really is, judged by its bytes (never by its name or declared type).

Accepts PNG, JPEG, WebP and PDF, each checked far enough to catch truncation and appended payloads:
PNG chunks are walked with their CRCs up to IEND at the very end; JPEG must end with EOI; a WebP's RIFF
size must equal the file's; a PDF must end with `%%EOF` and carry no active content (JavaScript, launch
actions, embedded files). Pure: bytes in, a verdict out.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from dataclasses import dataclass


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
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")


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


def _jpeg(data: bytes) -> str | None:
    if len(data) < 4 or data[-2:] != b"\xff\xd9":
        return "the JPEG does not end with its EOI marker (truncated or with data appended)"
    return None


def _webp(data: bytes) -> str | None:
    (size,) = struct.unpack("<I", data[4:8])
    if size + 8 != len(data):
        return "the WebP's RIFF size does not match the file (truncated or with data appended)"
    return None


def _pdf(data: bytes) -> str | None:
    if b"%%EOF" not in data[-1024:]:
        return "the PDF has no %%EOF at its end (truncated)"
    m = _PDF_ACTIVE.search(data)
    if m:
        return f"the PDF carries active content ({m.group(1).decode()}), which is not accepted"
    return None


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
