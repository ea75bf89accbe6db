"""Publication dates: parsed into datetimes, or None. Never guessed: a date whose source names no
zone stays naive (it is shown without one, and taken as UTC only where an instant is needed).

Gregorian dates in ISO 8601, RFC 2822 and written forms, with English, Persian or Arabic month names
(`27 سبتمبر 2008`); Solar Hijri dates, the Iranian calendar (`1402-6-4`, `۱۴۰۲/۰۶/۰۴`, `14020604`,
`شنبه ۶ مهر ۱۳۸۷`), converted with jdatetime; lunar Hijri dates (`12 ربيع الأول 1445`) with hijridate.
A month name says the calendar; for numbers alone, a year from 1300 to 1499 cannot be a Gregorian news
date, and the source's language tells which Hijri calendar it is (Persian: solar, Arabic: lunar).
When nothing tells, the date stays unknown.
"""

from __future__ import annotations

import re
import warnings
from datetime import date, datetime, timezone

import hijridate
import jdatetime
from dateutil import parser as dateutil_parser

from dateline.corpus.script import PERSIAN_DIGITS, ascii_digits, fold_arabic_script

SOLAR, LUNAR, GREGORIAN = "solar", "lunar", "gregorian"
HIJRI_YEARS = range(1300, 1500)  # as Gregorian years these would be six centuries before any news archive
_CALENDAR_OF_LANGUAGE = {"fa": SOLAR, "ps": SOLAR, "ar": LUNAR}

_MONTH_NAMES = {
    SOLAR: ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن",
            "اسفند"],
    LUNAR: ["محرم", "صفر", "ربیع الاول|ربیع الأول|ربیع‌الاول", "ربیع الثانی|ربیع الآخر|ربیع الاخر|ربیع‌الثانی",
            "جمادی الاولی|جمادی الأولی|جمادی‌الاول|جمادی الاول",
            "جمادی الآخرة|جمادی الثانیة|جمادی الاخره|جمادی‌الثانی",
            "رجب", "شعبان", "رمضان", "شوال", "ذو القعدة|ذی القعده|ذی‌القعده|ذوالقعده",
            "ذو الحجة|ذی الحجه|ذی‌الحجه|ذوالحجه"],
    GREGORIAN: ["ژانویه|يناير|كانون الثاني", "فوریه|فبراير|شباط", "مارس|آذار", "آوریل|أبريل|ابريل|نيسان",
                "مه|مى|مايو|أيار", "ژوئن|يونيو|حزيران", "ژوئیه|جولای|يوليو|تموز", "اوت|آگوست|أغسطس|آب",
                "سپتامبر|سبتمبر|أيلول", "اکتبر|أكتوبر|تشرين الأول", "نوامبر|نوفمبر|تشرين الثاني",
                "دسامبر|ديسمبر|كانون الأول"],
}


def _fold(text: str) -> str:
    """Arabic-script text folded for reading dates: a zero-width non-joiner separates words here."""
    return " ".join(fold_arabic_script(ascii_digits(text.replace("\u200c", " "))).split())


_MONTHS: list[tuple[re.Pattern, str, int]] = sorted(
    ((re.compile(rf"(?<!\w){re.escape(_fold(name))}(?!\w)"), calendar, number)
     for calendar, names in _MONTH_NAMES.items()
     for number, spellings in enumerate(names, start=1) for name in spellings.split("|")),
    key=lambda entry: -len(entry[0].pattern))  # longest first: "ربیع الاول" before "ربیع"
_NUMERIC = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)|(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
_TIME = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2}))?(?!\d)")
_NUMBER = re.compile(r"(?<!\d)\d{1,4}(?!\d)")
# Zone names that news pages and feeds write, each with its one meaning (hours east of UTC): RFC 822's
# North American zones (a feed's dates are RFC 822 dates), Europe's in English and German, and more.
# dateutil knows only UTC and GMT. A name with several meanings (IST, AST) is not here: a date naming
# one keeps its clock time, without a zone.
_ZONES = {"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
          "AKST": -9, "AKDT": -8, "HST": -10, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2,
          "MEZ": 1, "MESZ": 2, "EET": 2, "EEST": 3, "MSK": 3, "IRST": 3.5, "IRDT": 4.5, "PKT": 5,
          "ICT": 7, "WIB": 7, "HKT": 8, "SGT": 8, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11,
          "NZST": 12, "NZDT": 13}
_TZINFOS = {name: int(hours * 3600) for name, hours in _ZONES.items()}
_DOTTED = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.\d{2,4}(?![\d.])")  # 12.02.2024: day first, anywhere
# "GMT+3" on a page means three hours ahead of UTC; dateutil reads it as POSIX does, three behind
_NAMED_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?\b")


def _convert(calendar: str, year: int, month: int, day: int, text: str) -> datetime | None:
    """A Hijri (or Gregorian) calendar date, with the time of day the text gives, as a Gregorian datetime."""
    try:
        if calendar == SOLAR:
            gregorian = jdatetime.date(year, month, day).togregorian()
        elif calendar == LUNAR:
            gregorian = hijridate.Hijri(year, month, day).to_gregorian()
        else:
            gregorian = date(year, month, day)
    except (ValueError, OverflowError):
        return None
    clock = _TIME.search(text)
    hour, minute, second = (int(part or 0) for part in clock.groups()) if clock else (0, 0, 0)
    try:
        return datetime(gregorian.year, gregorian.month, gregorian.day, hour, minute, second)
    except ValueError:
        return None


def _with_month_name(text: str, pattern: re.Pattern, calendar: str, month: int) -> datetime | None:
    """A date written with a month name ('6 مهر 1387'): one day and one year must go with it."""
    match = pattern.search(text)
    assert match is not None
    rest = _TIME.sub(" ", text[:match.start()] + " " + text[match.end():])
    numbers = [int(n) for n in _NUMBER.findall(rest)]
    years = [n for n in numbers if n >= 1000]
    days = [n for n in numbers if 1 <= n <= 31]
    if len(years) != 1 or len(days) != 1 or (calendar == GREGORIAN and years[0] in HIJRI_YEARS):
        return None
    return _convert(calendar, years[0], month, days[0], text)


def calendar_of(text: str, language: str | None) -> str | None:
    """Which Hijri calendar a numeric date with a year of 1300-1499 is in, or None when nothing says."""
    if PERSIAN_DIGITS.search(text):
        return SOLAR
    return _CALENDAR_OF_LANGUAGE.get(language or "")


def _offsets_as_written(text: str) -> str:
    return _NAMED_OFFSET.sub(lambda m: f"{m[1]}{int(m[2]):02d}:{m[3] or '00'}", text)


def _day_first(text: str, language: str | None) -> bool:
    """Whether 03/12/2023 is the 3rd of December: it is in a dotted date anywhere, and in every
    language's sources but English ones (American usage is month first; British, day first: an
    English source's keeps dateutil's month first). The caller has ruled out a year-first date."""
    return bool(_DOTTED.search(text)) or (language is not None and language != "en")


def parse_date(value: object, language: str | None = None) -> datetime | None:
    """A datetime from ISO 8601, RFC 2822, written forms and Hijri calendars; None when unparseable,
    absent or of an unknown calendar. `language` is the source's, which tells Hijri calendars apart."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or len(value) > 100:
        return None
    text = _fold(value)
    for pattern, calendar, month in () if text.isascii() else _MONTHS:  # month names in Arabic script
        if pattern.search(text):
            return _with_month_name(text, pattern, calendar, month)
    numeric = _NUMERIC.search(text)
    if numeric:
        parts = numeric.groups()[:3] if numeric.group(1) else numeric.groups()[3:]
        year, month, day = (int(part) for part in parts)
        if year in HIJRI_YEARS:
            hijri = calendar_of(value, language)
            return _convert(hijri, year, month, day, text) if hijri else None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            # With default year 1, a text that names no year ("May 12") stays unknown rather than this year.
            with warnings.catch_warnings():  # a zone name it does not know: the clock time, no zone
                warnings.simplefilter("ignore", dateutil_parser.UnknownTimezoneWarning)
                parsed = dateutil_parser.parse(_offsets_as_written(text), default=datetime(1, 1, 1),
                                               tzinfos=_TZINFOS,
                                               dayfirst=not numeric and _day_first(text, language))
        except (ValueError, OverflowError, TypeError):
            return None
    return None if parsed.year == 1 or parsed.year in HIJRI_YEARS else parsed

