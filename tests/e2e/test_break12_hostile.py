"""Breaker findings on issue 12 (items 8 and 9), pinned as tests that fail until fixed.

- A policy text with nested YAML aliases (a "billion laughs") is expanded in full before it is judged: a 400-byte
  POST /v1/policies kept one server busy for 140 s and grew it by ~1 GB. Aliases should be refused (or bounded).
- Uploads: the JPEG check looks for a blocklist of markup only in COM/APPn segments, so HTML in other segments or in
  the scan data, and markup not on the list, are accepted; PNG text chunks are not checked at all.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from warden.appeals.uploads import UploadRejected, sniff
from warden.policy import PolicyError, load_policy_text

ALLOWED = ["image/png", "image/jpeg", "application/pdf"]


def _jpeg() -> bytes:
    b = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(b, "JPEG")
    return b.getvalue()


def _segment(marker: int, body: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body


def _png_with_text(text: bytes) -> bytes:
    b = io.BytesIO()
    Image.new("RGB", (8, 8)).save(b, "PNG")
    png = b.getvalue()
    body = b"tEXt" + b"Comment\x00" + text
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
    return png[:33] + chunk + png[33:]


def test_I12_8_policy_text_with_nested_yaml_aliases_is_refused_without_expanding_them() -> None:
    # 6 levels of 9: 531,441 nodes when expanded (the 8-level version of this held a server for 140 s)
    levels = ["a: &a [x,x,x,x,x,x,x,x,x]"]
    for prev, name in zip("abcde", "bcdef", strict=True):
        levels.append(f"{name}: &{name} [" + ",".join(f"*{prev}" for _ in range(9)) + "]")
    text = "\n".join(levels) + "\n"
    with pytest.raises(PolicyError) as exc:
        load_policy_text(text, "bomb.yaml")
    assert any("alias" in p.lower() or "anchor" in p.lower() for p in exc.value.problems), exc.value.problems


@pytest.mark.parametrize(
    "name",
    [
        "event handler markup in a JPEG comment",
        "HTML in a JPEG quantisation table",
        "a PDF with JavaScript inside a JPEG APP1 segment",
        "script in a PNG text chunk",
    ],
)
def test_S_D6_upload_with_markup_or_a_hidden_pdf_is_refused(name: str) -> None:
    j = _jpeg()
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n"
    )
    files = {
        "event handler markup in a JPEG comment": j[:2]
        + _segment(0xFE, b"<img src=x onerror=alert(document.domain)>")
        + j[2:],
        "HTML in a JPEG quantisation table": j[:2]
        + _segment(0xDB, b"\x00" + b"<script>alert(1)</script>".ljust(64))
        + j[2:],
        "a PDF with JavaScript inside a JPEG APP1 segment": j[:2] + _segment(0xE1, pdf) + j[2:],
        "script in a PNG text chunk": _png_with_text(b"<script>alert(1)</script>"),
    }
    with pytest.raises(UploadRejected):
        sniff(files[name], ALLOWED, 16 << 20)


def test_S_D6_markup_hidden_in_jpeg_scan_data_does_not_survive_into_the_stored_copy() -> None:
    """Text inside compressed scan data is not searched for (honest progressive photos hold long printable runs);
    the stored copy is re-encoded from the pixels, so nothing a scan hides is stored."""
    j = _jpeg()
    hidden = j[:-2] + b"<html><script>alert(1)</script></html>" + j[-2:]
    try:
        stored = sniff(hidden, ALLOWED, 16 << 20).data
    except UploadRejected:
        return  # refusing is fine too (the scan no longer decodes)
    assert b"<script>" not in stored and b"<html>" not in stored


def test_S_D6_an_honest_progressive_photo_with_flat_areas_is_accepted() -> None:
    """A progressive JPEG over a sky gradient and a flat area (long runs like `UUUU…` in its refinement scans, as
    phones and editors write them) is accepted: the tester's example, refused before as "text hidden"."""
    import io
    import random

    from PIL import Image

    img = Image.new("RGB", (800, 600))
    px = img.load()
    assert px is not None
    rnd = random.Random(1)
    for y in range(600):
        for x in range(800):
            px[x, y] = (100 + y // 12, 150 + y // 20, 230) if y < 300 else tuple(rnd.randrange(256) for _ in range(3))
    flat = Image.new("RGB", (1200, 900), (200, 200, 200))
    for image in (img, flat):
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=75, progressive=True, optimize=True)
        assert sniff(buf.getvalue(), ALLOWED, 16 << 20).media_type == "image/jpeg"


def test_I12_8_policy_text_nested_a_thousand_deep_is_refused_naming_the_depth() -> None:
    """The second tester's example: `[` × 1000 gave a 500 (RecursionError) after 6.5 s; it is a PolicyError."""
    with pytest.raises(PolicyError) as exc:
        load_policy_text("[" * 1000 + "]" * 1000, "deep.yaml")
    assert "nest more than" in exc.value.problems[0]


@pytest.mark.parametrize("when", ["0001-01-01T00:30:00+01:00", 1700000000, "2026-11-30T10:00:00"])
def test_I12_8_a_third_party_report_refuses_impossible_numeric_or_zoneless_times(when: object) -> None:
    """`POST /v1/unblock-reports` with `0001-01-01T00:30:00+01:00` gave a 500; a number was read as an epoch."""
    from pydantic import ValidationError

    from warden.unblock.http import PlatformCheckIn, ThirdPartyIn

    with pytest.raises(ValidationError) as exc:
        ThirdPartyIn.model_validate({"account_id": "a", "platform": "X", "occurred_at": when})
    assert exc.value.errors()[0]["loc"] == ("occurred_at",)
    with pytest.raises(ValidationError):
        PlatformCheckIn.model_validate({"kind": "face", "passed": "yes"})
