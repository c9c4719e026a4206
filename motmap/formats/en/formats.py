# English as motmap writes it (covers en, en-gb, en-us...: Django falls back from en_GB to en).
# See motmap/formats/__init__.py. Format strings use Django's date-format syntax.

DATE_FORMAT = "j M Y"  # 1 Dec 2026
TIME_FORMAT = "H:i"  # 21:46
DATETIME_FORMAT = "j M Y H:i"  # 1 Dec 2026 21:46
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 1 December
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday, like the weekly digest
