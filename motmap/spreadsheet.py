"""Cells of a CSV file that a spreadsheet opens: guarded against formula injection both ways.

A text cell starting with = + - @ tab or CR would be run as a formula by Excel or LibreOffice,
so exports prefix it with an apostrophe (shown as text). Imports strip that prefix again, so
an export read back gives exactly the text that was written out.

An upload is carried from its preview to its confirmation sealed in the page (`seal`).
"""

import base64
import json
import zlib

from django.core import signing

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _looks_like_formula(text):
    # Leading apostrophes are looked through, so a text that already starts with one is
    # escaped too and reads back unchanged.
    return text.lstrip("'").startswith(FORMULA_START)


def safe_cell(value):
    """A cell for export: numbers as they are, text with a formula start escaped."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return f"'{text}" if _looks_like_formula(text) else text


def unescape_cell(text):
    """The text of an imported cell, without the apostrophe `safe_cell` put before it."""
    if text.startswith("'") and _looks_like_formula(text[1:]):
        return text[1:]
    return text


def seal(data, *, salt):
    """`data` (JSON-able) compressed and signed for a hidden field: an uploaded file carried
    from its preview to its confirmation without being stored."""
    packed = json.dumps(data, ensure_ascii=False).encode()
    encoded = base64.urlsafe_b64encode(zlib.compress(packed, 9)).decode()
    return signing.TimestampSigner(salt=salt).sign(encoded)


def unseal(token, *, salt, max_age):
    """The data of a sealed token, or signing.BadSignature (expired, altered, or not one)."""
    encoded = signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    try:
        return json.loads(zlib.decompress(base64.urlsafe_b64decode(encoded)))
    except (ValueError, TypeError, zlib.error) as exc:
        raise signing.BadSignature(str(exc)) from None
