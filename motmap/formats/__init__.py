"""How dates, times and numbers are written, per language (FORMAT_MODULE_PATH).

One style everywhere, pages and emails alike: a date is "1 Dec 2026", a date with a time
"1 Dec 2026 21:46" (24-hour clock). Templates use the named formats (`|date:"DATE_FORMAT"`,
`|date:"DATETIME_FORMAT"`) or no filter at all; the SHORT_ variants are the same, so a table
that asks for the short form writes the same thing. Input formats are not set here: forms keep
Django's (ISO dates first, as `<input type="date">` sends them).
"""
