"""Phone numbers as identity keys (issue 12, item 5): one number, one canonical form, E.164.

A bound phone number keys the unblock cap (S-D3), the one-time codes' guess budget and the messages sent to it, so
`13800138000`, `+8613800138000`, `008613800138000`, `8613800138000` and `１３８００１３８０００` must be one key:
`+8613800138000`. The `phonenumbers` library (Google's libphonenumber metadata) parses a number as written in the
region `WARDEN_PHONE_REGION` (default `CN`: a national number, `00` international prefix, or the country code
without `+`) and formats it as E.164. A number that does not parse, or is not a valid number of its country, is
refused (`InvalidInput` naming the field), never stored in another spelling.
"""

from __future__ import annotations

import unicodedata

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from warden.kernel.errors import InvalidInput
from warden.kernel.events import FieldError

DEFAULT_REGION = "CN"
"""Where a number written without a country is read (`WARDEN_PHONE_REGION`), an ISO 3166 region code."""


def check_region(region: str) -> str:
    """`region` if libphonenumber knows it (`ValueError` naming it otherwise)."""
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"unknown phone region {region!r} (an ISO 3166 code such as CN)")
    return region


def canonical(raw: str, region: str = DEFAULT_REGION) -> str:
    """The E.164 form of `raw` (`+8613800138000`); `ValueError` with a sentence for people when it is not a valid
    phone number. Full-width digits and the usual separators (spaces, hyphens, brackets) are accepted."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text or len(text) > 40:
        raise ValueError("not a phone number")
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid phone number (read in region {region})")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def canonical_or_raw(raw: str, region: str = DEFAULT_REGION) -> str:
    """`canonical(raw)`, or `raw` unchanged when it does not parse (a number stored before canonical forms, that
    migration 0011 could not read: it keeps its own key)."""
    try:
        return canonical(raw, region)
    except ValueError:
        return raw


def require(raw: str, region: str = DEFAULT_REGION, field: str = "phone") -> str:
    """`canonical(raw)`, or `InvalidInput` naming `field` (a 422 over HTTP)."""
    try:
        return canonical(raw, region)
    except ValueError as exc:
        message = f"{raw!r} is {exc}; give the bound phone number, e.g. 13800138000 or +8613800138000"
        raise InvalidInput(message, [FieldError(field=field, message=str(exc))]) from exc
