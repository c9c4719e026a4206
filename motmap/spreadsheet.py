"""Cells of a CSV file that a spreadsheet opens: guarded against formula injection both ways.

A text cell starting with = + - @ tab or CR would be run as a formula by Excel or LibreOffice,
so exports prefix it with an apostrophe (shown as text). Imports strip that prefix again, so
an export read back gives exactly the text that was written out.
"""

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
