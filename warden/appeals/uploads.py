"""What an uploaded file really is, judged by its bytes (never by its name or declared type), and the disarmed
copy that is stored instead of it (content disarm and reconstruction).

Accepts PNG, JPEG, WebP and PDF. Two steps, both with kept libraries doing the parsing:

1. **Structure, by allow-list.** PNG chunks are walked with their CRCs up to IEND at the very end, and only the
   chunks of the PNG specification are accepted (`PNG_CHUNKS`); JPEG segments are walked from SOI through the
   frame and scan(s) to EOI at the very end, and only the segments an image uses are accepted: an application
   segment must open with its NUL-terminated identifier, a quantisation table is parsed and may not be defined
   twice before it is used, text (comments, PNG text chunks) may not hold markup characters; a WebP's RIFF size
   must equal the file's. The compressed scan data is NOT searched for text: a progressive refinement scan over a
   flat area holds long printable runs (`UUUU…`) in honest photos; whatever a scan hides does not survive step 2.
   A PDF is opened with pikepdf (qpdf), which decodes escaped names (`/J#61vaScript` is `/JavaScript`) and
   compressed object streams, and every object is walked for active content (`PDF_ACTIVE_ACTIONS`,
   `PDF_ACTIVE_KEYS`, `PDF_ACTIVE_SUBTYPES`).
2. **Reconstruction.** An image is decoded with Pillow (at most `MAX_PIXELS`; what does not decode is refused),
   turned upright by its EXIF orientation and re-encoded from its pixels alone: no metadata, comments, profiles
   or extra chunks survive, so whatever step 1 did not recognise is not in the stored copy. A PDF is re-saved by
   qpdf (objects rewritten, anything after the end dropped). `Sniffed.data` is that copy; its size and SHA-256
   are what is stored and recorded.

Pure: bytes in, a verdict and a copy out.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import warnings
import zlib
from dataclasses import dataclass, field
from typing import Any

import pikepdf
from PIL import Image, ImageOps


@dataclass(frozen=True)
class Sniffed:
    """The verdict: `media_type` by content; `data` the disarmed copy to store, `size` (bytes) and `sha256` (hex,
    the document store's key) of that copy."""

    media_type: str
    size: int
    sha256: str
    data: bytes = field(repr=False)


class UploadRejected(Exception):
    """A refused upload, with a stable code and texts for people."""

    def __init__(self, code: str, en: str, zh: str) -> None:
        super().__init__(en)
        self.code = code
        self.en = en
        self.zh = zh


PNG_SIG = b"\x89PNG\r\n\x1a\n"
PNG_CHUNKS = frozenset(
    {
        b"IHDR",
        b"PLTE",
        b"IDAT",
        b"IEND",  # critical
        b"tRNS",
        b"cHRM",
        b"gAMA",
        b"iCCP",
        b"sBIT",
        b"sRGB",
        b"cICP",
        b"mDCV",
        b"cLLI",  # colour
        b"tEXt",
        b"zTXt",
        b"iTXt",  # text (checked for markup; dropped from the stored copy)
        b"bKGD",
        b"hIST",
        b"pHYs",
        b"sPLT",
        b"eXIf",
        b"tIME",  # misc (PNG 3rd edition, section 11)
    }
)
"""The chunk types of the PNG specification; anything else (private or unknown chunks) is refused."""
_MARKUP_CHARS = re.compile(rb"[<>]")
"""Text in an image (a JPEG comment, a PNG text chunk) is for people: markup characters in it are refused."""
MAX_PIXELS = 50_000_000
"""Largest image decoded (width × height): a 50-megapixel photo; more is refused before decoding (a pixel bomb)."""


def _png_text(ctype: bytes, body: bytes) -> bytes:
    """The readable text of a PNG text chunk (zTXt and compressed iTXt inflated, at most 1 MiB)."""
    if ctype == b"zTXt":
        _, _, rest = body.partition(b"\x00")
        return zlib.decompressobj().decompress(rest[1:], 1 << 20)
    if ctype == b"iTXt":
        keyword, _, rest = body.partition(b"\x00")
        compressed = rest[:1] == b"\x01"
        parts = rest[2:].split(b"\x00", 2)
        text = parts[2] if len(parts) == 3 else b""
        out = keyword + b" " + b" ".join(parts[:2])
        return out + (zlib.decompressobj().decompress(text, 1 << 20) if compressed else text)
    return body


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
        if ctype not in PNG_CHUNKS:
            return f"the PNG carries a chunk {ctype.decode('latin-1')!r} that is not part of an image"
        if ctype in (b"tEXt", b"zTXt", b"iTXt"):
            try:
                text = _png_text(ctype, data[pos + 8 : end - 4])
            except zlib.error:
                return f"PNG text chunk {ctype.decode()!r} is corrupt"
            if _MARKUP_CHARS.search(text):
                return "the PNG carries markup in a text chunk, which is not accepted"
        if ctype == b"IEND":
            return None if end == len(data) else "data follows the PNG's end (IEND)"
        pos = end
    return "the PNG has no IEND chunk (truncated)"


# --- JPEG: the segments of ITU T.81 (B.1.1.2) -----------------------------------------------------------------

_SOI, _EOI, _SOS, _COM = 0xD8, 0xD9, 0xDA, 0xFE
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0–7: markers without a length
_SOF = {*range(0xC0, 0xD0)} - {0xC4, 0xC8, 0xCC}  # start of frame (DHT, JPG and DAC share the range)
_DQT, _APP0, _APP15 = 0xDB, 0xE0, 0xEF
_APP_ID = re.compile(rb"[\x20-\x7e]{1,64}\x00")
"""An application segment opens with its identifier: printable ASCII ended by NUL (`JFIF\\0`, `Exif\\0`, …)."""


def _dqt(body: bytes, defined: set[int], frame: bool) -> str | None:
    """Parse a DQT segment (T.81 B.2.4.1): tables of 64 non-zero values, 8- or 16-bit; a table defined twice before
    the frame uses it is bytes the image never reads."""
    pos = 0
    while pos < len(body):
        precision, table = body[pos] >> 4, body[pos] & 0x0F
        size = 64 * (2 if precision else 1)
        values = body[pos + 1 : pos + 1 + size]
        if precision > 1 or table > 3 or len(values) < size:
            return "a JPEG quantisation table is malformed"
        if any(v == 0 for v in (struct.unpack(">64H", values) if precision else values)):
            return "a JPEG quantisation table holds a zero, which no encoder writes"
        if not frame and table in defined:
            return f"the JPEG defines quantisation table {table} twice before it is used"
        defined.add(table)
        pos += 1 + size
    return None


def _jpeg(data: bytes) -> str | None:
    """Walk SOI, the marker segments, each scan's entropy-coded data, and EOI, which must end the file."""
    if data[:2] != b"\xff\xd8":
        return "the JPEG does not start with its SOI marker"
    pos, frame, scans = 2, False, 0
    tables: set[int] = set()
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
        if marker == _COM and _MARKUP_CHARS.search(body):
            return "the JPEG carries markup in its comment, which is not accepted"
        if _APP0 <= marker <= _APP15 and not _APP_ID.match(body):
            return f"the JPEG has an application segment (APP{marker - _APP0}) that is not image metadata"
        if marker == _DQT and (problem := _dqt(body, tables, frame)):
            return problem
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


_IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


def _rebuild_image(data: bytes, media: str) -> bytes:
    """Decode `data` with Pillow (the format `media` names, at most `MAX_PIXELS`) and re-encode its pixels alone, in
    the same format, upright by its EXIF orientation. Raises `UploadRejected` ("undecodable") if it does not decode."""
    fmt = _IMAGE_FORMATS[media]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as im:
                if im.width * im.height > MAX_PIXELS:
                    raise UploadRejected(
                        "too_large",
                        f"the image is {im.width}×{im.height} pixels; at most {MAX_PIXELS:,} pixels",
                        f"图片像素过多（{im.width}×{im.height}），上限 {MAX_PIXELS:,} 像素",
                    )
                im.load()
                upright = ImageOps.exif_transpose(im)
    except UploadRejected:
        raise
    except (
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        struct.error,
        zlib.error,
    ) as exc:
        raise UploadRejected(
            "damaged", f"the image cannot be decoded ({type(exc).__name__})", "图片无法解码，请重新导出后上传"
        ) from exc
    pixels = Image.new(upright.mode, upright.size)  # a fresh image: no info, no EXIF, no ICC, no text carried over
    pixels.paste(upright)
    if upright.mode == "P" and (palette := upright.getpalette()) is not None:
        pixels.putpalette(palette)
        if "transparency" in upright.info:
            pixels.info["transparency"] = upright.info["transparency"]
    out = io.BytesIO()
    try:
        if fmt == "JPEG":
            if pixels.mode not in ("RGB", "L", "CMYK"):
                pixels = pixels.convert("RGB")
            pixels.save(out, "JPEG", quality=92)
        elif fmt == "PNG":
            pixels.save(out, "PNG")
        else:
            pixels.save(out, "WEBP", lossless=True)
    except (OSError, ValueError) as exc:  # a mode the format cannot hold, or the encoder gave up
        raise UploadRejected(
            "damaged", f"the image cannot be re-encoded ({type(exc).__name__})", "图片无法处理，请重新导出后上传"
        ) from exc
    return out.getvalue()


def _rebuild_pdf(data: bytes) -> bytes:
    """Re-save a checked PDF with qpdf: every object rewritten, nothing after the end kept."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def sniff(data: bytes, allowed: list[str], max_bytes: int) -> Sniffed:
    """Judge an upload and build its disarmed copy (`Sniffed.data`, what is stored); raises `UploadRejected`
    (code `empty`, `too_large`, `unsupported_type` or `damaged`, with en and zh texts) naming what is wrong."""
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
    try:
        copy = _rebuild_pdf(data) if media == "application/pdf" else _rebuild_image(data, media)
    except (pikepdf.PdfError, RecursionError, ValueError) as exc:
        raise UploadRejected(
            "damaged", f"the PDF cannot be rewritten ({type(exc).__name__})", "文件不完整或已损坏，请重新导出后上传"
        ) from exc
    return Sniffed(media, len(copy), hashlib.sha256(copy).hexdigest(), copy)


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
