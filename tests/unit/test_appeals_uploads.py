"""S-D6 uploads judged by content, hostile files, the document store, and the pure appeal rules."""

from __future__ import annotations

import base64
import struct
import zlib
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from warden.appeals import model as ap
from warden.appeals import texts
from warden.appeals.document_store import DocumentMissing, LocalDocumentStore, MemoryDocumentStore
from warden.appeals.uploads import UploadRejected, sniff, tiny_pdf, tiny_png

ALLOWED = ["image/png", "image/jpeg", "image/webp", "application/pdf"]
MB = 1024 * 1024
# A real 1×1 JPEG and WebP (as exported by common tools).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////"
    "////////////////wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAAA//EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AN//Z"
)
WEBP = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")


def code_of(data: bytes, allowed: list[str] = ALLOWED, cap: int = MB) -> str:
    with pytest.raises(UploadRejected) as exc:
        sniff(data, allowed, cap)
    return exc.value.code


def test_S_D6_valid_png_jpeg_webp_and_pdf_are_recognised_by_their_bytes() -> None:
    for data, media in (
        (tiny_png(1), "image/png"),
        (JPEG, "image/jpeg"),
        (WEBP, "image/webp"),
        (tiny_pdf(), "application/pdf"),
    ):
        got = sniff(data, ALLOWED, MB)
        assert got.media_type == media and got.size == len(got.data) and len(got.sha256) == 64


def test_S_D6_the_type_comes_from_content_so_a_script_named_png_is_refused() -> None:
    assert code_of(b"<svg onload=alert(1)>") == "unsupported_type"
    assert code_of(b"MZ\x90\x00" + b"\x00" * 100) == "unsupported_type"  # a Windows executable
    assert code_of(tiny_png(1), allowed=["application/pdf"]) == "unsupported_type"


def test_S_D6_truncated_files_are_refused() -> None:
    png, pdf = tiny_png(2), tiny_pdf()
    assert code_of(png[:-12]) == "damaged"  # IEND cut off
    assert code_of(png[:40]) == "damaged"  # a chunk runs past the end
    assert code_of(JPEG[:-2]) == "damaged"  # no EOI
    assert code_of(WEBP[:-4]) == "damaged"  # RIFF size no longer matches
    assert code_of(pdf[: len(pdf) // 2]) == "damaged"  # no %%EOF


def test_S_D6_payloads_appended_to_images_and_corrupt_chunks_are_refused() -> None:
    png = tiny_png(3)
    assert code_of(png + b"PK\x03\x04zip-payload") == "damaged"
    assert code_of(JPEG + b"<?php system($_GET['c']); ?>") == "damaged"
    corrupt = bytearray(png)
    corrupt[20] ^= 0xFF  # inside IHDR: its CRC no longer matches
    assert code_of(bytes(corrupt)) == "damaged"


def test_S_D6_pdfs_with_active_content_are_refused() -> None:
    pdf = tiny_pdf().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
    with pytest.raises(UploadRejected, match="JavaScript"):
        sniff(pdf, ALLOWED, MB)


def test_S_D6_empty_and_oversize_files_are_refused_before_anything_else() -> None:
    assert code_of(b"") == "empty"
    assert code_of(tiny_png(4), cap=20) == "too_large"
    exc = UploadRejected("x", "en", "zh")
    assert (exc.en, exc.zh) == ("en", "zh")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\boot.ini", "boot.ini"),
        ("/abs/path/营业执照.png", "营业执照.png"),
        ("evil\x00.png\r\n", "evil.png"),
        ("..", "document"),
        ("", "document"),
        (None, "document"),
        ('a<b>c:"d|e?f*.pdf', "abcdef.pdf"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_S_D6_file_names_are_display_metadata_with_no_path_left(given: str | None, kept: str) -> None:
    assert ap.sanitise_filename(given) == kept


def test_S_D6_the_local_store_keys_by_hash_never_by_a_name_and_detects_tampering(tmp_path: Path) -> None:
    store = LocalDocumentStore(tmp_path)
    data = tiny_pdf("licence")
    key = store.put(data)
    assert store.get(key) == data and store.put(data) == key
    assert (tmp_path / key[:2] / key[2:4] / key).is_file()
    for bad in ("../../etc/passwd", "A" * 64, key[:-1]):
        with pytest.raises(DocumentMissing):
            store.get(bad)
    (tmp_path / key[:2] / key[2:4] / key).write_bytes(b"swapped")
    with pytest.raises(DocumentMissing, match="altered"):
        store.get(key)
    mem = MemoryDocumentStore()
    assert mem.get(mem.put(data)) == data


BJ = ZoneInfo("Asia/Shanghai")


def test_the_sla_counts_working_time_on_working_days_only() -> None:
    wed = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # Wednesday, 16:00 in Shanghai: 8 h of Wednesday count
    # 8 h + Thu, Fri, Mon, Tue, Wed, Thu (6 × 24 h) = 152 h; the last 16 h on Friday Dec 4 → 16:00 Beijing
    assert ap.working_days_after(wed, 7, "Asia/Shanghai") == datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    sat = datetime(2026, 11, 28, 10, 0, tzinfo=BJ)
    # nothing of the weekend counts; Monday Nov 30 counts whole, so one working day runs out at Tuesday 00:00
    assert ap.working_days_after(sat, 1, "Asia/Shanghai") == datetime(2026, 12, 1, 0, 0, tzinfo=BJ)
    late_fri = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # already Saturday 01:00 in Shanghai
    assert ap.working_days_after(late_fri, 1, "Asia/Shanghai") == datetime(2026, 12, 1, 0, 0, tzinfo=BJ)


def test_S_D6_friday_and_saturday_are_not_due_at_the_same_time() -> None:
    fri = datetime(2026, 11, 27, 10, 0, tzinfo=BJ)  # 14 h of Friday + Monday 24 h + 10 h of Tuesday
    assert ap.working_days_after(fri, 2, "Asia/Shanghai") == datetime(2026, 12, 1, 10, 0, tzinfo=BJ)
    sat = datetime(2026, 11, 28, 10, 0, tzinfo=BJ)  # Monday and Tuesday whole
    assert ap.working_days_after(sat, 2, "Asia/Shanghai") == datetime(2026, 12, 2, 0, 0, tzinfo=BJ)
    sun = datetime(2026, 11, 29, 23, 0, tzinfo=BJ)  # not Tuesday 23:00: the Sunday hour does not count
    assert ap.working_days_after(sun, 2, "Asia/Shanghai") == datetime(2026, 12, 2, 0, 0, tzinfo=BJ)
    mon = datetime(2026, 11, 30, 0, 0, tzinfo=BJ)  # the first weekday after a weekend is not already elapsed
    assert ap.working_days_after(mon, 1, "Asia/Shanghai") == datetime(2026, 12, 1, 0, 0, tzinfo=BJ)


def test_S_D6_a_deadline_across_national_day_skips_the_holiday_and_counts_the_make_up_saturday() -> None:
    # 2026 国庆: Oct 1–7 off; Sat Oct 10 is a make-up workday (调休), Sun Oct 11 is not.
    # Wed Sep 30 10:00: 14 h; Oct 8, 9, 10 (Sat), 12, 13, 14 = 144 h (158 h); the last 10 h → Thu Oct 15 10:00
    start = datetime(2026, 9, 30, 10, 0, tzinfo=BJ)
    due = ap.working_days_after(start, 7, "Asia/Shanghai")
    assert due == datetime(2026, 10, 15, 10, 0, tzinfo=BJ)
    assert ap.deadline_basis(start, due, "Asia/Shanghai") == "cn_calendar"
    # the make-up Sunday before it (Sep 20) counts: Sat Sep 19 10:00 + 1 → Sunday whole → Mon Sep 21 00:00
    assert ap.working_days_after(datetime(2026, 9, 19, 10, 0, tzinfo=BJ), 1, "Asia/Shanghai") == datetime(
        2026, 9, 21, 0, 0, tzinfo=BJ
    )


def test_S_D6_a_year_the_calendar_does_not_know_is_counted_on_weekdays_and_says_so() -> None:
    start = datetime(2026, 12, 28, 10, 0, tzinfo=BJ)  # Monday: 14 h; Dec 29, 30, 31; Jan 1 2027 (unknown year:
    due = ap.working_days_after(start, 7, "Asia/Shanghai")  # a Friday, counted); Jan 4, 5; 10 h of Jan 6
    assert due == datetime(2027, 1, 6, 10, 0, tzinfo=BJ)
    assert ap.is_working_day(date(2027, 1, 1)) == (True, False)
    assert ap.deadline_basis(start, due, "Asia/Shanghai") == "weekdays"


def test_decisions_need_a_reason_of_their_outcome_and_reduce_needs_a_lower_step() -> None:
    assert ap.check_decision(ap.AppealOutcome.OVERTURN, "rule_misfired", None, 2, 0) == []
    assert ap.check_decision(ap.AppealOutcome.OVERTURN, "rectified", None, 2, 0)[0][0] == "reason_code"
    assert ap.check_decision(ap.AppealOutcome.REDUCE, "rectified", None, 2, 0) == [
        ("to_step", "reduce needs the lower step to apply")
    ]
    assert ap.check_decision(ap.AppealOutcome.REDUCE, "rectified", 1, 2, 0) == []
    assert ap.check_decision(ap.AppealOutcome.REDUCE, "rectified", 1, 5, 2)[0][0] == "to_step"  # enterprises start at 2
    assert "already the lowest" in ap.check_decision(ap.AppealOutcome.REDUCE, "rectified", 0, 0, 0)[0][1]
    assert ap.check_decision(ap.AppealOutcome.UPHOLD, "violation_confirmed", 1, 2, 0)[0][0] == "to_step"
    for outcome, reasons in texts.DECISION_REASONS.items():
        for code in reasons:
            assert texts.decision_text(outcome, code, "zh") and texts.decision_text(outcome, code, "en")


def test_four_eyes_applies_to_permanent_bans_and_enterprise_penalties_only() -> None:
    assert ap.needs_four_eyes("enterprise", 2, False, 5)
    assert ap.needs_four_eyes("account", 5, True, 5)
    assert not ap.needs_four_eyes("account", 4, False, 5)


def test_png_helper_makes_distinct_valid_images() -> None:
    a, b = tiny_png(1), tiny_png(2)
    assert a != b
    (length,) = struct.unpack(">I", a[8:12])
    assert a[12:16] == b"IHDR" and length == 13 and zlib.crc32(a[12:29]) == struct.unpack(">I", a[29:33])[0]
