"""Official trade statements: read their figures as claims and check them against the data.

A ministry writes "In January-April 2022 trade turnover made 31 million US dollars (+118%),
of which exports 30.4 million (+129.9%)". :func:`parse_statements` turns such text (English
or Russian) into a table of claims, one row per figure: the period (a year, or a
January-to-month span), the measure (turnover, export, import, balance), the value in USD,
the stated growth and the exact span of text it came from. Whatever it cannot read is kept
as a row with a ``problem``, never dropped.

:func:`check_statements` recomputes each claim from every source of a tidy trade frame with
:mod:`kztrade.growth` and gives a verdict (consistent within the stated rounding,
inconsistent by how much, or not checkable and why); it also checks the statement against
itself (exports + imports against turnover, the bases its growth rates imply).
:func:`summarize_checks` says the result in words and :func:`plot_claims` draws it.

This module does not fetch statements, translate them, or compute growth rates itself.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources

import numpy as np
import pandas as pd

from kztrade import growth as _growth
from kztrade.cleaning import parse_figure
from kztrade.errors import ParameterError
from kztrade.schema import TOTAL, frequency, validate

__all__ = [
    "CLAIM_COLUMNS",
    "MEASURES",
    "parse_statements",
    "period_label",
    "stated_precision",
    "check_parameters",
    "count_verdicts",
    "CHECKS",
    "VERDICTS",
    "check_statements",
    "verdicts",
    "summarize_checks",
    "plot_claims",
]

#: Columns of a claims frame, shared with :func:`kztrade.datasets.load_statements`.
CLAIM_COLUMNS: tuple[str, ...] = (
    "statement",
    "source",
    "date",
    "reporter",
    "partner",
    "year",
    "first_month",
    "last_month",
    "measure",
    "value_usd",
    "growth",
    "text",
)
#: Measures a claim can be about, seen from the reporter's side.
MEASURES: tuple[str, ...] = ("turnover", "export", "import", "balance")

_ISO3 = re.compile(r"^[A-Z]{3}$")
_FLAGS = re.IGNORECASE

# --------------------------------------------------------------------------- vocabulary
# Word lists are regular-expression fragments; longer phrases come first so that
# "trade turnover" wins over "trade" and "trade balance" over "trade".

_MONTHS_EN = (
    r"jan(?:uary)?",
    r"feb(?:ruary)?",
    r"mar(?:ch)?",
    r"apr(?:il)?",
    r"may",
    r"june?",
    r"july?",
    r"aug(?:ust)?",
    r"sept?(?:ember)?",
    r"oct(?:ober)?",
    r"nov(?:ember)?",
    r"dec(?:ember)?",
)
_MONTHS_RU = (
    r"январ[ьяею]|янв",
    r"феврал[ьяею]|фев",
    r"март[аеу]?|мар",
    r"апрел[ьяею]|апр",
    r"ма[йяею]",
    r"июн[ьяею]|июн",
    r"июл[ьяею]|июл",
    r"август[аеу]?|авг",
    r"сентябр[ьяею]|сен",
    r"октябр[ьяею]|окт",
    r"ноябр[ьяею]|ноя",
    r"декабр[ьяею]|дек",
)
_MONTH = "|".join(f"(?:{e}|{r})" for e, r in zip(_MONTHS_EN, _MONTHS_RU, strict=True))
_MONTH_RES = [
    re.compile(rf"^(?:{e}|{r})\.?$", _FLAGS) for e, r in zip(_MONTHS_EN, _MONTHS_RU, strict=True)
]

_COUNT_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "дв": 2,
    "тр": 3,
    "четыр": 4,
    "пят": 5,
    "шест": 6,
    "сем": 7,
    "восем": 8,
    "восьм": 8,
    "девят": 9,
    "десят": 10,
    "одиннадцат": 11,
    "двенадцат": 12,
}
_COUNT = (
    r"\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|дв(?:а|ух)|тр(?:и|[её]х)|четыр(?:е|[её]х)|пят(?:ь|и)|шест(?:ь|и)|сем(?:ь|и)"
    r"|восем(?:ь|и)|восьми|девят(?:ь|и)|десят(?:ь|и)|одиннадцат(?:ь|и)|двенадцат(?:ь|и)"
)
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "перв": 1,
    "втор": 2,
    "трет": 3,
    "четв": 4,
}

# A year, written as digits, optionally followed by the Russian "год"/"г." in any case.
_YEAR = r"(?:19[5-9]\d|20[0-9]\d)(?:\s*(?:год[ауе]?|г\.?)(?![а-яё]))?"
_REL_YEAR = (
    r"(?:this|the\s+current|the\s+present|current|last|the\s+last|the\s+previous|previous"
    r"|the\s+past|past)\s+year|the\s+year\s+before"
    r"|(?:текущ|эт|сего|прошл|предыдущ)\w*\s+год\w*"
)
_YEAR_TAIL = rf"(?:\s*,?\s*(?:of\s+|in\s+)?(?:the\s+)?(?:(?P<year>{_YEAR})|(?P<rel>{_REL_YEAR})))?"

_MONTH_SPAN = re.compile(
    rf"(?<![\w])(?:from\s+|с\s+)?(?P<m1>{_MONTH})\.?\s*"
    rf"(?:[-‐‑–—]|\bto\b|\bthrough\b|\bthru\b|\btill\b|\buntil\b|\bпо\b)\s*"
    rf"(?P<m2>{_MONTH})\.?(?![\w])" + _YEAR_TAIL,
    _FLAGS,
)
_FIRST_MONTHS = re.compile(
    rf"(?<![\w])(?:(?:the\s+)?first\s+(?P<n1>{_COUNT})\s+months?"
    rf"|(?:перв\w+\s+)?(?P<n2>{_COUNT})\s+месяц(?:а|ев)?"
    rf"|(?P<n3>{_COUNT})\s+months?(?=\s*,?\s*(?:of\s+)?(?:the\s+)?(?:{_YEAR}|{_REL_YEAR})))"
    + _YEAR_TAIL,
    _FLAGS,
)
_QUARTER = re.compile(
    r"(?<![\w])(?:(?:the\s+)?(?P<q1>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter"
    r"|Q(?P<q2>[1-4])|(?P<q3>[1-4])Q"
    r"|(?P<q4>IV|I{1,3}|[1-4]|перв\w*|втор\w*|трет\w*|четв[её]рт\w*)[\s-]*(?:м\s+|й\s+)?"
    r"квартал\w*)(?![\w])" + _YEAR_TAIL,
    _FLAGS,
)
_HALF = re.compile(
    r"(?<![\w])(?:(?:the\s+)?(?P<h1>first|second)\s+half(?:\s+of\s+the\s+year)?"
    r"|H(?P<h2>[12])|(?P<h3>перв|втор)\w*\s+полугоди\w*)(?![\w])" + _YEAR_TAIL,
    _FLAGS,
)
_ONE_MONTH = re.compile(
    rf"(?<![\w])(?P<prefix>(?:in|for|during|в|за)\s+)?(?P<month>{_MONTH})(?![\w])\.?"
    rf"(?:\s*,?\s*(?:of\s+)?(?P<year>{_YEAR}))?",
    _FLAGS,
)
_DATE = re.compile(
    rf"(?<![\w.])(?:\d{{1,2}}\s+(?:{_MONTH})\.?,?\s+\d{{4}}(?:\s*(?:года|г\.?))?"
    rf"|(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,\s+\d{{4}}"
    r"|\d{1,2}[./]\d{1,2}[./]\d{4}|\d{4}-\d{2}-\d{2})(?![\w])",
    _FLAGS,
)
_YEAR_ALONE = re.compile(rf"(?<![\w.,])(?P<year>{_YEAR})(?![\w]|[.,]\d)", _FLAGS)
_REL_ALONE = re.compile(rf"(?<![\w])(?P<rel>{_REL_YEAR})(?![\w])", _FLAGS)

# Comparisons mark a period as the base of a growth rate, not the period of a figure.
_COMPARATOR = re.compile(
    r"(?:compared\s+(?:to|with)|in\s+comparison\s+(?:to|with)|as\s+against|against|versus"
    r"|vs\.?|relative\s+to|than\s+in|than|по\s+сравнению\s+с|относительно|против|чем\s+в)"
    r"\s+(?:that\s+(?:of|in)\s+)?(?:the\s+)?(?:same\s+period\s+(?:of|in|last)\s+)?"
    r"(?:аналогичн\w+\s+период\w*\s+)?$",
    _FLAGS,
)
# "on", "over", "from" and the Russian "к" compare only right after a growth figure.
_WEAK_COMPARATOR = re.compile(
    r"^[\s)]*(?:year[-\s]on[-\s]year\s+|y/y\s+)?(?:on|over|from|к|ко)\s+(?:the\s+)?"
    r"(?:same\s+period\s+(?:of|in|last)\s+)?(?:аналогичн\w+\s+период\w*\s+)?$",
    _FLAGS,
)
_SINCE = re.compile(r"(?:since|until|till|before|after|с|до|после)\s+(?:the\s+)?$", _FLAGS)

_SCALES = (
    (r"thousands?|thous\.?|ths?\.|тыс\.?|тысяч[аи]?", 1e3),
    (r"millions?|mln\.?|mn\.?|млн\.?|миллион(?:а|ов)?", 1e6),
    (r"billions?|bln\.?|bn\.?|млрд\.?|миллиард(?:а|ов)?", 1e9),
)
_SHORT_SCALES = {"k": 1e3, "m": 1e6, "b": 1e9}
_CURRENCY_PRE = r"US\$|USD|\$|US\s+dollars?"
_CURRENCY_POST = (
    r"(?:of\s+)?(?:U\.?S\.?\s*dollars?|dollars?|USD|US\$|\$"
    r"|долл(?:\.|ар(?:ов|а|ы)?)?\s*США|дол\.\s*США|долл\.|доллар(?:ов|а|ы)?)"
)
_OTHER_CURRENCY = (
    r"tenge|KZT|тенге|тг\.?|EUR|euros?|€|rubles?|roubles?|RUB|руб(?:\.|л(?:ей|я|ь))?"
    r"|yuan|CNY|юан(?:ей|я|ь)|tugriks?|togrogs?|MNT|тугрик(?:ов|а)?"
)
_NUMBER = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)*"
_AMOUNT = re.compile(
    rf"(?<![\w.,])(?:(?P<pre>{_CURRENCY_PRE})\s*)?(?P<num>{_NUMBER})"
    rf"(?:\s*(?P<scale>{'|'.join(s for s, _ in _SCALES)})(?![\w])"
    rf"|\s?(?P<short>[kmb])(?![\w]))?"
    rf"(?:\s*(?P<post>{_CURRENCY_POST})(?![\w]))?"
    rf"(?:\s*(?P<other>{_OTHER_CURRENCY})(?![\w]))?",
    _FLAGS,
)
_PERCENT = re.compile(
    r"(?P<open>\(\s*)?(?:(?P<sign>[+\-−–—])|(?<=[(\s])(?P<ssign>[+\-−–—])\s)?"
    r"(?P<num>\d+(?:[.,]\d+)?)\s*(?:(?P<pct>%|per\s?cent\b|процент(?:а|ов)?\b)"
    r"|(?P<pp>percentage\s+points?\b|p\.\s?p\.|п\.\s?п\.?|pp\b))",
    _FLAGS,
)
_TIMES = re.compile(
    r"(?:(?<![\w])в\s+)?(?P<num>\d+(?:[.,]\d+)?)(?:\s*-?\s*fold\b|\s+times\b|\s+раза?\b)"
    r"|(?P<word>doubled|tripled|halved|вдвое|втрое)",
    _FLAGS,
)
_WORD_FACTORS = {
    "doubled": Decimal(2),
    "tripled": Decimal(3),
    "halved": Decimal("0.5"),
    "вдвое": Decimal(2),
    "втрое": Decimal(3),
}
_BARE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w]|[.,]\d)")

_MEASURE_WORDS = (
    (
        r"trade\s+balance|balance\s+of\s+trade|торгов\w*\s+сальдо"
        r"|сальдо(?:\s+(?:внешней\s+|взаимной\s+)?торговл\w*)?",
        "balance",
    ),
    (r"(?:trade\s+)?surplus|профицит\w*", "surplus"),
    (r"(?:trade\s+)?deficit|дефицит\w*", "deficit"),
    (r"re-?exports?|re-?exported|реэкспорт\w*|transit|транзит\w*", None),
    (
        r"(?:foreign|mutual|bilateral|total|overall|external)\s+trade\s+turnover"
        r"|trade\s+turnover|turnover|(?:foreign|mutual|bilateral|total|overall|external)"
        r"\s+trade|trade\s+volume|volume\s+of\s+(?:mutual\s+|bilateral\s+)?trade"
        r"|value\s+of\s+(?:mutual\s+|bilateral\s+)?trade|traded|trading|trade"
        r"|(?:внешне)?торгов\w*\s+оборот\w*|товарооборот\w*|оборот\w*"
        r"|(?:взаимн\w+\s+|двусторонн\w+\s+)?торговл\w*|объ[её]м\w*\s+торговл\w*",
        "turnover",
    ),
    (r"exports?|exported|exporting|shipments?|экспорт\w*|вывоз\w*", "export"),
    (r"imports?|imported|importing|purchases|импорт\w*|ввоз\w*", "import"),
)
_MEASURE = re.compile(
    "|".join(f"(?P<m{i}>(?<![\\w-])(?:{w})(?![\\w]))" for i, (w, _) in enumerate(_MEASURE_WORDS)),
    _FLAGS,
)

_UP = (
    r"up|increase[ds]?|increasing|rise|rises|rose|risen|rising|grew|grown|grows|growth|gain(?:ed|s)?"
    r"|higher|more|jump(?:ed|s)?|surge[ds]?|climb(?:ed|s)?|expand(?:ed|s)?|added|plus"
    r"|рост\w*|прирост\w*|увелич\w*|вырос\w*|выше|больше|возрос\w*"
)
_DOWN = (
    r"down|decrease[ds]?|decreasing|decline[ds]?|declining|fell|fall(?:en|s|ing)?"
    r"|drop(?:ped|s)?|lower|less|shrank|shrunk|shrink(?:s|ing)?|contract(?:ed|ion|s)?"
    r"|reduc(?:ed|tion|es)|plunge[ds]?|slump(?:ed|s)?|minus|loss"
    r"|сниз\w*|сниж\w*|сократ\w*|сокращ\w*|уменьш\w*|упал\w*|паден\w*|ниже|меньше"
)
_YOY = r"year[-\s]on[-\s]year|y[-/]o[-/]y|y/y|yoy|г/г|в\s+годовом\s+выражении"
_DIR_BEFORE = re.compile(
    rf"(?<![\w])(?:(?P<up>{_UP})|(?P<down>{_DOWN})|(?P<yoy>{_YOY}))"
    r"(?![\w])",
    _FLAGS,
)
_SHARE_BEFORE = re.compile(
    r"(?:made|make|makes|making)\s+up|account(?:ed|s|ing)?\s+for|share|доля|дол[ие]\s*$"
    r"|(?:constitut|represent|comprise)\w*\s*$",
    _FLAGS,
)
_SHARE_AFTER = re.compile(
    r"^\s*(?:of|от|из)\s+(?:the\s+|its\s+|all\s+)?(?:total|turnover|trade|exports?|imports?"
    r"|общ\w*|товарооборот\w*|всего|экспорт\w*|импорт\w*)",
    _FLAGS,
)
_QUALIFIER = re.compile(
    r"(?<![\w])(?P<q>about|around|approximately|approx\.|roughly|nearly|almost|some|close\s+to"
    r"|more\s+than|over|above|in\s+excess\s+of|exceeding|exceeded|at\s+least|under|less\s+than"
    r"|below|up\s+to|около|почти|порядка|примерно|приблизительно|более|свыше|больше|менее"
    r"|меньше)\s*$",
    _FLAGS,
)
_LOWER_BOUND = {
    "more than",
    "over",
    "above",
    "in excess of",
    "exceeding",
    "exceeded",
    "at least",
    "более",
    "свыше",
    "больше",
}
_UPPER_BOUND = {"under", "less than", "below", "up to", "менее", "меньше"}

# Between a figure and a period that belongs to it: "60.9 million USD (+48.1%) in 2021".
_POSTFIX_PERIOD = re.compile(
    r"^[\s,:;)]*(?:in|for|during|over|of|at\s+the\s+end\s+of|by\s+the\s+end\s+of|в|за|по\s+итогам)?"
    r"\s*(?:the\s+)?$",
    _FLAGS,
)
# Between a figure and a measure word that comes after it: "466 thousand USD of imports".
_POSTFIX_MEASURE = re.compile(
    r"^[\s,)]*(?:of|in|worth\s+of|were|was|are|is|as|came\s+from|went\s+to)\s+"
    r"(?:the\s+|its\s+)?$",
    _FLAGS,
)
_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|\n")
_CYRILLIC = re.compile(r"[а-яё]", _FLAGS)


# --------------------------------------------------------------------------- numbers


def _decimal_mark(text: str) -> str | None:
    """Tell which decimal mark a text uses, from its unambiguous numbers.

    A number with one separator followed by other than three digits ("48,1", "60.9")
    shows the mark. Without such evidence, Russian text is taken to use commas.
    Returns ``","``, ``"."`` or ``None`` (mixed or unknown; English reading then).
    """
    marks = set()
    for m in re.finditer(r"(?<![\d.,])\d+([.,])(\d+)(?![\d.,])", text):
        if len(m.group(2)) != 3:
            marks.add(m.group(1))
    if len(marks) == 1:
        return marks.pop()
    if not marks and _CYRILLIC.search(text):
        return ","
    return None


def _read_number(raw: str, decimal: str | None) -> tuple[Decimal, int, str]:
    """Read digits as written in a statement: value, decimals as written, and a note.

    The digits are read by :func:`kztrade.cleaning.parse_figure`. A lone separator before
    exactly three digits ("2,125") is ambiguous on its own: it is read with the text's
    decimal mark as told by :func:`_decimal_mark`, and the note says so.
    """
    digits = re.sub(r"[\s\u00a0\u202f]", "", raw)
    note = ""
    mark = None
    lone = re.fullmatch(r"[1-9]\d*([.,])\d{3}", digits)
    if lone:
        mark = "," if decimal == "," else "."
        reading = "a decimal mark" if mark == lone.group(1) else "a thousands separator"
        note = f"{raw!r}: {lone.group(1)!r} read as {reading}, as elsewhere in the text"
    figure = parse_figure(digits, decimal=mark)
    return Decimal(repr(figure.value)), figure.decimals, note


# --------------------------------------------------------------------------- countries


@functools.lru_cache(maxsize=1)
def _country_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """country_converter's regular expressions for English names, keyed by ISO3."""
    table = pd.read_csv(
        resources.files("country_converter") / "country_data.tsv",
        sep="\t",
        dtype=str,
        keep_default_na=False,
        usecols=["ISO3", "regex"],
    )
    return tuple(
        (iso3, re.compile(rx, re.IGNORECASE))
        for iso3, rx in zip(table["ISO3"], table["regex"], strict=True)
        if iso3 and rx
    )


def _country_of(phrase: str) -> str | None:
    """The ISO3 code a capitalised English phrase names ("Mongolia's" → MNG), or None."""
    phrase = re.sub(r"['’]s$", "", phrase.strip())
    hits = {iso3 for iso3, rx in _country_patterns() if rx.search(phrase)}
    return hits.pop() if len(hits) == 1 else None


_CAPITALISED = re.compile(
    r"(?<![\w])[A-Z][\w'’-]*(?:\s+(?:of\s+|the\s+)*[A-Z][\w'’-]*)*", re.UNICODE
)


# --------------------------------------------------------------------------- events


@dataclass
class _Event:
    kind: str  # amount, growth, period, measure, bare, date, problem
    start: int
    end: int
    data: dict = field(default_factory=dict)


def _month_number(word: str) -> int:
    for i, rx in enumerate(_MONTH_RES, start=1):
        if rx.match(word):
            return i
    raise ValueError(word)  # pragma: no cover - the patterns above only match months


def _count(word: str) -> int:
    word = word.lower()
    if word.isdigit():
        return int(word)
    for stem, n in _COUNT_WORDS.items():
        if word.startswith(stem):
            return n
    raise ValueError(word)  # pragma: no cover


def _ordinal(word: str) -> int:
    word = word.lower()
    if word in _ORDINALS:
        return _ORDINALS[word]
    if word.isdigit():
        return int(word)
    for stem, n in _ORDINALS.items():
        if len(stem) > 3 and word.startswith(stem):
            return n
    raise ValueError(word)  # pragma: no cover


def _year_of(m: re.Match) -> tuple[int | None, str]:
    """The year a period match names, or its relative wording ("this year")."""
    year = m.groupdict().get("year")
    if year:
        return int(year[:4]), ""
    return None, (m.groupdict().get("rel") or "")


def _period_events(text: str) -> list[_Event]:
    events = []
    for m in _DATE.finditer(text):
        events.append(_Event("date", m.start(), m.end()))
    for m in _MONTH_SPAN.finditer(text):
        year, rel = _year_of(m)
        first, last = _month_number(m["m1"]), _month_number(m["m2"])
        events.append(
            _Event("period", m.start(), m.end(), dict(first=first, last=last, year=year, rel=rel))
        )
    for m in _FIRST_MONTHS.finditer(text):
        year, rel = _year_of(m)
        n = _count(m["n1"] or m["n2"] or m["n3"])
        if 1 <= n <= 12:
            events.append(
                _Event("period", m.start(), m.end(), dict(first=1, last=n, year=year, rel=rel))
            )
    for m in _QUARTER.finditer(text):
        year, rel = _year_of(m)
        q = _ordinal(m["q1"] or m["q2"] or m["q3"] or m["q4"])
        events.append(
            _Event(
                "period", m.start(), m.end(), dict(first=3 * q - 2, last=3 * q, year=year, rel=rel)
            )
        )
    for m in _HALF.finditer(text):
        year, rel = _year_of(m)
        h = _ordinal(m["h1"] or m["h2"] or m["h3"])
        events.append(
            _Event(
                "period", m.start(), m.end(), dict(first=6 * h - 5, last=6 * h, year=year, rel=rel)
            )
        )
    for m in _ONE_MONTH.finditer(text):
        if not (m["prefix"] or m["year"]):
            continue  # "may" and "march" are also words; a month needs "in" or a year
        month = _month_number(m["month"])
        year = int(m["year"][:4]) if m["year"] else None
        events.append(
            _Event("period", m.start(), m.end(), dict(first=month, last=month, year=year, rel=""))
        )
    for m in _YEAR_ALONE.finditer(text):
        events.append(
            _Event(
                "period",
                m.start(),
                m.end(),
                dict(first=1, last=12, year=int(m["year"][:4]), rel=""),
            )
        )
    for m in _REL_ALONE.finditer(text):
        events.append(
            _Event("period", m.start(), m.end(), dict(first=1, last=12, year=None, rel=m["rel"]))
        )
    return events


def _amount_events(text: str, decimal: str | None) -> list[_Event]:
    events = []
    for m in _AMOUNT.finditer(text):
        pre, post, other = m["pre"], m["post"], m["other"]
        scale_word, short = m["scale"], m["short"]
        currency = bool(pre or post)
        if not (scale_word or currency or other):
            continue
        if short and not currency:
            continue
        scale = 1.0
        if scale_word:
            scale = next(f for w, f in _SCALES if re.fullmatch(w, scale_word, _FLAGS))
        elif short:
            scale = _SHORT_SCALES[short.lower()]
        data = dict(scale=scale, currency=currency)
        try:
            number, decimals, note = _read_number(m["num"], decimal)
        except ValueError as exc:
            events.append(_Event("problem", m.start(), m.end(), dict(problem=str(exc))))
            continue
        if other:
            data["problem"] = (
                f"the figure is in {other}, not US dollars; convert it and state it in USD"
            )
        data.update(value=float(number * Decimal(int(scale))), decimals=decimals, note=note)
        events.append(_Event("amount", m.start(), m.end(), data))
    return events


def _growth_events(text: str, decimal: str | None) -> list[_Event]:
    events = []
    for m in _PERCENT.finditer(text):
        number, decimals, _ = _read_number(m["num"], decimal)
        sign = m["sign"] or m["ssign"]
        if sign and m["ssign"] and not m["open"]:
            sign = None  # "growth – 48.1%": a dash between spaces separates, it is no sign
        start = m.start() if m["open"] else m.start("num") - (1 if m["sign"] else 0)
        if m["ssign"] and sign:
            start = m.start("ssign")
        end = m.end()
        if m["open"]:
            close = re.match(r"\s*\)", text[end:])
            if close:
                end += close.end()
        data = dict(
            kind="percent",
            number=number,
            decimals=decimals,
            sign=None if sign is None else (1 if sign == "+" else -1),
        )
        if m["pp"]:
            data["problem"] = "a change in percentage points, not a growth rate; not checked"
        events.append(_Event("growth", start, end, data))
    for m in _TIMES.finditer(text):
        if m["word"]:
            word = m["word"].lower()
            factor = _WORD_FACTORS[word]
            data = dict(kind="times", number=factor, decimals=0, sign=None, word=word)
        else:
            number, decimals, _ = _read_number(m["num"], decimal)
            data = dict(kind="times", number=number, decimals=decimals, sign=None)
        events.append(_Event("growth", m.start(), m.end(), data))
    return events


def _measure_events(text: str, reporter: str, partner: str | None) -> list[_Event]:
    events = []
    for m in _MEASURE.finditer(text):
        idx = next(i for i, g in enumerate(m.groups()) if g is not None)
        kind = _MEASURE_WORDS[idx][1]
        word = m.group(0)
        data = dict(word=word)
        if kind is None:
            data["problem"] = f"{word!r} figures are not a measure kztrade checks"
            measure = None
        elif kind in ("surplus", "deficit"):
            measure = "balance"
            data["sign"] = 1 if kind == "surplus" else -1
        else:
            measure = kind
        if measure in ("export", "import") and partner is not None:
            if _partner_side(text, m.start(), m.end(), measure, reporter, partner):
                measure = "import" if measure == "export" else "export"
                data["note"] = (
                    f"{word!r} read from {partner}'s side; recorded as {reporter}'s {measure}"
                )
        data["measure"] = measure
        events.append(_Event("measure", m.start(), m.end(), data))
    return events


def _partner_side(text: str, start: int, end: int, measure: str, reporter: str, partner: str):
    """Whether an export/import word describes the partner's flow, not the reporter's.

    "Mongolia's exports", "exports from Mongolia", "imports into Mongolia" and "imports
    from Kazakhstan" are Mongolia's flows; "exports to Mongolia" and "imports from
    Mongolia" are Kazakhstan's. Without a country next to the word, it is the reporter's.
    """
    before = re.search(
        r"([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2})(?:\s+(?:has|have|had))?\s+$", text[:start]
    )
    if before:
        country = _country_of(before.group(1))
        if country:
            return country == partner
    after = re.match(
        r"\s+(?:of\s+goods\s+)?(to|into|from)\s+(?:the\s+)?"
        r"([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2})",
        text[end:],
    )
    if after:
        country = _country_of(after.group(2))
        outward = after.group(1).lower() in ("to", "into")
        # "exports to C", "imports from C": C is the other side of the flow.
        counterpart = (measure == "export") == outward
        return country == (reporter if counterpart else partner)
    return False


def _countries_in(phrase: str) -> list[str]:
    """Countries a capitalised phrase names: the whole, else its words, else their parts."""
    code = _country_of(phrase)
    if code:
        return [code]
    codes = []
    for word in re.split(r"\s+(?:(?:of|the)\s+)*", phrase):
        parts = [word] if _country_of(word) else re.split(r"[-‐‑–—]", word)
        for part in parts:
            code = _country_of(part) if len(part) > 2 else None
            if code and code not in codes:
                codes.append(code)
    return codes


def _detect_partner(text: str, reporter: str, spans: list[tuple[int, int]]) -> str:
    found = []
    for m in _CAPITALISED.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in spans):
            continue  # "US dollars" inside a figure names a currency, not a partner
        for code in _countries_in(m.group(0)):
            if code != reporter and code not in found:
                found.append(code)
    if len(found) == 1:
        return found[0]
    if not found:
        raise ParameterError(
            "parse_statements: cannot tell the partner country from the text (English "
            "country names are recognised); pass partner='MNG' (an ISO3 code)"
        )
    raise ParameterError(
        f"parse_statements: the text names several partner countries {found}; "
        "pass partner='...' (an ISO3 code) to say which one the figures are about"
    )


def _select(candidates: list[_Event]) -> list[_Event]:
    """Keep non-overlapping events, earlier kinds winning, and sort them by position."""
    order = {
        "date": 0,
        "period": 1,
        "amount": 2,
        "problem": 2,
        "growth": 3,
        "measure": 4,
        "bare": 5,
    }
    taken: list[_Event] = []
    for ev in sorted(candidates, key=lambda e: (order[e.kind], -(e.end - e.start), e.start)):
        if any(ev.start < t.end and t.start < ev.end for t in taken):
            continue
        taken.append(ev)
    return sorted(taken, key=lambda e: e.start)


# --------------------------------------------------------------------------- parsing


def _check_codes(reporter, partner) -> None:
    if not isinstance(reporter, str) or not _ISO3.match(reporter):
        raise ParameterError(
            f"parse_statements: reporter must be an ISO3 code such as 'KAZ', got {reporter!r}"
        )
    if partner is not None and (not isinstance(partner, str) or not _ISO3.match(partner)):
        raise ParameterError(
            "parse_statements: partner must be an ISO3 code such as 'MNG' or None (to read "
            f"it from the text), got {partner!r}"
        )


def _release_year(date: str) -> int | None:
    if not date:
        return None
    m = re.match(r"^\s*(\d{4})(?:-\d{2}(?:-\d{2})?)?\s*$", str(date))
    if not m:
        raise ParameterError(
            f"parse_statements: date must be an ISO date such as '2022-05-12' or '', got {date!r}"
        )
    return int(m.group(1))


def _sentences(text: str, events: list[_Event]) -> np.ndarray:
    """Sentence number of every character, ignoring full stops inside figures ("mln.")."""
    breaks = []
    for m in _SENTENCE_END.finditer(text):
        if not any(e.start <= m.start() < e.end for e in events):
            breaks.append(m.start())
    ids = np.zeros(len(text) + 1, dtype=int)
    for b in breaks:
        ids[b + 1 :] += 1
    return ids


def _direction(text: str, ev: _Event, prev_end: int, next_start: int) -> tuple[int | None, str]:
    """Whether a growth figure goes up (+1) or down (-1), from its sign or words around it."""
    sign = ev.data.get("sign")
    before = text[max(prev_end, ev.start - 45) : ev.start]
    after = text[ev.end : min(next_start, ev.end + 25)]
    words_after = list(_DIR_BEFORE.finditer(after))
    words_before = list(_DIR_BEFORE.finditer(before))
    word = None
    if words_after and words_after[0].start() < 12:
        word = words_after[0]
    elif words_before:
        word = words_before[-1]
    elif words_after:
        word = words_after[0]
    if _SHARE_BEFORE.search(before) or _SHARE_AFTER.match(after):
        return None, "a share, not a growth rate; not checked"
    said = None if word is None else (1 if word["up"] else -1 if word["down"] else 0)
    implied = {"doubled": 1, "tripled": 1, "halved": -1}.get(ev.data.get("word", ""))
    if implied is not None:
        said = implied
    elif ev.data.get("word") and said is None:
        said = 1  # "вдвое", "втрое" without a verb read as an increase
    if sign is not None:
        if said == -1 and sign == 1:
            return None, "the sign (+) and the words (a fall) disagree"
        return sign, ""
    if said is None:
        if ev.data["kind"] == "times":
            return None, "a number of times without saying up or down; not read as growth"
        return None, (
            "a percentage without a sign or a word such as 'up'/'down'; not read as growth "
            "(a share?)"
        )
    return (1 if said in (0, 1) else -1), ""


def _growth_value(ev: _Event, direction: int) -> float:
    number = ev.data["number"]
    if ev.data["kind"] == "percent":
        return float(direction * number / 100)
    if ev.data.get("word") == "halved":
        return -0.5
    factor = float(number) if direction > 0 else 1.0 / float(number)
    return factor - 1.0


def parse_statements(
    text: str,
    *,
    reporter: str = "KAZ",
    partner: str | None = None,
    statement: str = "statement",
    source: str = "",
    date: str = "",
) -> pd.DataFrame:
    """Read the trade figures of an official statement as a table of claims.

    Each figure becomes one row: the period (a year, or a January-to-month span such as
    January-April 2022), the measure (turnover, export, import, balance, from the
    reporter's side), the value in USD, the stated growth on the same period a year
    earlier, and the span of text it came from. The reading follows how statements are
    written: decimal commas or points, "thousand"/"million"/"billion" (and "тыс."/"млн"/
    "млрд"), "USD"/"US dollars"/"$"/"долларов США", growth in brackets with a sign or in
    words ("up 48.1%", "снижение на 50,3%", "2.2 times"), dashes used as separators
    ("exports – 30,4 million"), month spans ("January-April", "Jan–Apr", "the first four
    months", "в январе-апреле"), and sentences that continue the previous one ("it made
    ..."). A figure that cannot be read becomes a row whose ``problem`` says why.

    Parameters
    ----------
    text : str
        The statement.
    reporter : str, default "KAZ"
        ISO3 code of the country whose trade the statement reports ("exports" are its
        exports).
    partner : str, optional
        ISO3 code of the partner. By default (None or "") it is read from the English
        country names in the text; pass it for Russian text.
    statement : str, default "statement"
        Identifier of the statement, copied into every row.
    source : str, default ""
        Who made the statement (e.g. ``"MFA-KZ"``), copied into every row.
    date : str, default ""
        The statement's release date (ISO, e.g. ``"2022-05-12"``): resolves "this year"
        and "last year".

    Returns
    -------
    DataFrame
        Columns :data:`CLAIM_COLUMNS` and ``start``, ``end`` (character offsets of ``text``
        in the input), ``value_decimals`` and ``growth_decimals`` (digits after the decimal
        mark as stated), ``base_year`` (the year the growth compares with), ``qualifier``
        ("about", "more than", ... or ""), ``note`` (how something was read) and
        ``problem`` ("" when the figure was read). ``year``, ``first_month``, ``last_month``
        and ``base_year`` are nullable integers; ``value_usd`` is NaN for a growth stated
        without a value, ``growth`` NaN when none was stated.

    Raises
    ------
    ParameterError
        If ``text`` is not a string, a code is not ISO3, ``date`` is not ISO, or the
        partner is not given and cannot be told from the text.

    Examples
    --------
    >>> claims = parse_statements(
    ...     "Trade with Mongolia grew by 20,5% to $12.4 million in 2023; exports made up "
    ...     "11.9 million USD.")
    >>> claims[["partner", "year", "measure", "value_usd", "growth"]]
      partner  year  measure   value_usd  growth
    0     MNG  2023  turnover  12400000.0   0.205
    1     MNG  2023    export  11900000.0     NaN
    >>> claims.loc[0, "text"]
    '20,5% to $12.4 million'
    """
    if not isinstance(text, str):
        raise ParameterError(f"parse_statements: text must be a string, got {type(text).__name__}")
    partner = partner or None
    _check_codes(reporter, partner)
    release = _release_year(date)
    decimal = _decimal_mark(text)

    candidates = _period_events(text) + _amount_events(text, decimal)
    candidates += _growth_events(text, decimal)
    candidates += [_Event("bare", m.start(), m.end()) for m in _BARE.finditer(text)]
    preliminary = _select(candidates)
    if partner is None:
        spans = [(e.start, e.end) for e in preliminary if e.kind == "amount"]
        partner = _detect_partner(text, reporter, spans)
    events = _select(candidates + _measure_events(text, reporter, partner))
    sentence = _sentences(text, events)

    _classify_periods(text, events)
    claims = _assign(text, events, sentence)
    rows = [_row(text, c, sentence, events, release) for c in claims]
    rows += _leftovers(text, events, sentence, claims)
    rows.sort(key=lambda r: r["start"])
    frame = pd.DataFrame(rows, columns=_ROW_COLUMNS)
    for col in ("year", "first_month", "last_month", "base_year"):
        frame[col] = frame[col].astype("Int64")
    for col in ("value_usd", "growth"):
        frame[col] = frame[col].astype("float64")
    for col in ("value_decimals", "growth_decimals"):
        frame[col] = frame[col].astype("Int64")
    frame["start"] = frame["start"].astype("int64")
    frame["end"] = frame["end"].astype("int64")
    frame["statement"] = statement
    frame["source"] = source
    frame["date"] = date or ""
    frame["reporter"] = reporter
    frame["partner"] = partner
    return frame


_ROW_COLUMNS = list(CLAIM_COLUMNS) + [
    "start",
    "end",
    "value_decimals",
    "growth_decimals",
    "base_year",
    "qualifier",
    "note",
    "problem",
]


def _classify_periods(text: str, events: list[_Event]) -> None:
    """Mark each period as a figure's period, a growth base ("on 2020") or neither."""
    for i, ev in enumerate(events):
        if ev.kind != "period":
            continue
        before = text[max(0, ev.start - 60) : ev.start]
        prev = events[i - 1] if i else None
        gap = text[prev.end : ev.start] if prev is not None else text[: ev.start]
        role = "period"
        if _COMPARATOR.search(before):
            role = "base"
        elif prev is not None and prev.kind == "growth" and _WEAK_COMPARATOR.match(gap):
            role = "base"
        elif _SINCE.search(before):
            role = "other"
        ev.data["role"] = role


@dataclass
class _Claim:
    amount: _Event | None = None
    growth: _Event | None = None
    growth_value: float = float("nan")
    growth_problem: str = ""
    notes: list[str] = field(default_factory=list)


def _assign(text: str, events: list[_Event], sentence: np.ndarray) -> list[_Claim]:
    """Pair growth figures with amounts, in reading order."""
    amounts = [e for e in events if e.kind in ("amount",)]
    claims = {id(a): _Claim(amount=a) for a in amounts}
    loose: list[_Claim] = []
    for i, ev in enumerate(events):
        if ev.kind != "growth":
            continue
        prev_end = events[i - 1].end if i else 0
        next_start = events[i + 1].start if i + 1 < len(events) else len(text)
        direction, problem = _direction(text, ev, prev_end, next_start)
        if ev.data.get("problem"):
            problem = ev.data["problem"]
        if problem:
            ev.data["unread"] = problem
            continue
        value = _growth_value(ev, direction)
        same = [a for a in amounts if sentence[a.start] == sentence[ev.start]]
        before = [a for a in same if a.end <= ev.start]
        after = [a for a in same if a.start >= ev.end]
        target = None
        if before:
            prev_amount = before[-1]
            between = [e for e in events if prev_amount.end <= e.start and e.end <= ev.start]
            if claims[id(prev_amount)].growth is None and not any(
                e.kind in ("measure", "amount") for e in between
            ):
                target = prev_amount
        if target is None and after:
            next_amount = after[0]
            between = [e for e in events if ev.end <= e.start and e.end <= next_amount.start]
            if claims[id(next_amount)].growth is None and not any(
                e.kind in ("measure", "growth") for e in between
            ):
                target = next_amount
        if target is not None:
            claims[id(target)].growth = ev
            claims[id(target)].growth_value = value
        else:
            loose.append(_Claim(growth=ev, growth_value=value))
    return sorted(list(claims.values()) + loose, key=lambda c: (c.amount or c.growth).start)


def _span(c: _Claim, text: str = "") -> tuple[int, int]:
    parts = [e for e in (c.amount, c.growth) if e is not None]
    start, end = min(e.start for e in parts), max(e.end for e in parts)
    piece = text[start:end]
    if piece.count("(") > piece.count(")"):
        close = re.match(r"[^()]{0,40}?\)", text[end:])
        if close:
            end += close.end()
    return start, end


def _measure_for(text, c: _Claim, events, sentence) -> tuple[_Event | None, str]:
    start, end = _span(c)
    anchor = c.amount or c.growth
    earlier_claims = [e for e in events if e.kind == "amount" and e.end <= start]
    window_start = earlier_claims[-1].end if earlier_claims else 0
    window = [e for e in events if e.kind == "measure" and window_start <= e.start < anchor.start]
    window = [e for e in window if e.end <= start or e.end <= anchor.start]
    if window:
        chosen = window[-1]
        others = {
            e.data["measure"] for e in window if sentence[e.start] == sentence[chosen.start]
        } - {chosen.data["measure"]}
        note = ""
        if others:
            note = (
                f"several measure words before the figure; read the nearest, "
                f"{chosen.data['word']!r}"
            )
        if sentence[chosen.start] != sentence[anchor.start]:
            note = f"measure carried over from the previous sentence ({chosen.data['word']!r})"
        return chosen, note
    later = [e for e in events if e.start >= end and sentence[e.start] == sentence[end - 1]]
    if later and later[0].kind == "measure" and _POSTFIX_MEASURE.match(text[end : later[0].start]):
        return later[0], ""
    earlier = [e for e in events if e.kind == "measure" and e.end <= start]
    if earlier:
        if sentence[earlier[-1].start] == sentence[anchor.start]:
            return earlier[-1], ""
        return earlier[-1], (
            f"measure carried over from earlier text ({earlier[-1].data['word']!r})"
        )
    return None, ""


def _period_for(text, c: _Claim, events, sentence) -> tuple[_Event | None, str]:
    start, end = _span(c)
    periods = [e for e in events if e.kind == "period" and e.data.get("role") == "period"]
    anchors = sorted({e.end for e in (c.amount, c.growth) if e is not None} | {end})
    for anchor in anchors:
        following = [e for e in events if e.start >= anchor]
        if following and following[0].kind == "period" and following[0].data["role"] == "period":
            if _POSTFIX_PERIOD.match(text[anchor : following[0].start]):
                return following[0], ""
    earlier = [e for e in periods if e.end <= start]
    if earlier and sentence[earlier[-1].start] == sentence[start]:
        return earlier[-1], ""
    later = [e for e in periods if e.start >= end and sentence[e.start] == sentence[start]]
    if later:
        return later[0], "period read from later in the sentence"
    if earlier:
        return earlier[-1], ""
    return None, ""


def _base_year_for(text, c: _Claim, events) -> int | None:
    """The year a growth figure compares with, when the text says it ("on 2020")."""
    if c.growth is None:
        return None
    after = [e for e in events if e.start >= c.growth.end]
    for ev in after[:3]:
        if ev.kind == "period" and ev.data.get("role") == "base":
            return ev.data.get("year")
        if ev.kind in ("amount", "growth", "measure"):
            return None
    return None


def _resolve_year(period: _Event, text: str, events, release: int | None) -> tuple[int | None, str]:
    data = period.data
    if data["year"] is not None:
        return data["year"], ""
    rel = data["rel"].lower()
    if rel:
        if release is None:
            return None, (
                f"the period says {data['rel']!r}; pass date= (the statement's "
                "release date) to resolve it"
            )
        shift = -1 if re.search(r"last|previous|past|before|прошл|предыдущ", rel) else 0
        return release + shift, f"{data['rel']!r} read as {release + shift} from date"
    years = [
        e
        for e in events
        if e.kind == "period"
        and e.data.get("role") == "period"
        and e.data["year"] is not None
        and e.end <= period.start
    ]
    if years:
        return years[-1].data["year"], "year taken from earlier text"
    later = re.match(r"^[\s,]*(?:of\s+)?(?:the\s+)?(\d{4})", text[period.end :])
    if later:
        return int(later.group(1)), ""
    return None, "the period names no year; write the year next to it"


def _row(text: str, c: _Claim, sentence, events, release) -> dict:
    start, end = _span(c, text)
    notes = list(c.notes)
    problems = []
    measure_ev, note = _measure_for(text, c, events, sentence)
    if note:
        notes.append(note)
    measure = None
    sign = 1
    if measure_ev is None:
        problems.append("no measure word (turnover, exports, imports, balance) before the figure")
    else:
        measure = measure_ev.data["measure"]
        sign = measure_ev.data.get("sign", 1)
        if measure_ev.data.get("note"):
            notes.append(measure_ev.data["note"])
        if measure_ev.data.get("problem"):
            problems.append(measure_ev.data["problem"])
    period_ev, note = _period_for(text, c, events, sentence)
    if note:
        notes.append(note)
    year = first = last = None
    if period_ev is None:
        problems.append("no period (a year or a month span) before the figure")
    else:
        first, last = period_ev.data["first"], period_ev.data["last"]
        year, note = _resolve_year(period_ev, text, events, release)
        if year is None:
            problems.append(note)
        elif note:
            notes.append(note)
    value = float("nan")
    value_decimals = None
    qualifier = ""
    if c.amount is not None:
        value = sign * c.amount.data["value"]
        value_decimals = c.amount.data["decimals"]
        if c.amount.data.get("note"):
            notes.append(c.amount.data["note"])
        if c.amount.data.get("problem"):
            problems.append(c.amount.data["problem"])
        if not c.amount.data["currency"]:
            notes.append("no currency written; read as US dollars")
        q = _QUALIFIER.search(text[max(0, c.amount.start - 25) : c.amount.start])
        if q:
            qualifier = " ".join(q["q"].lower().split())
    growth_decimals = None
    if c.growth is not None:
        growth_decimals = c.growth.data["decimals"]
    base_year = None
    if year is not None and not math.isnan(c.growth_value):
        base_year = _base_year_for(text, c, events) or year - 1
    row = _blank_row(text, start, end)
    row.update(
        year=year,
        first_month=first,
        last_month=last,
        measure=measure,
        value_usd=value,
        growth=c.growth_value,
        value_decimals=value_decimals,
        growth_decimals=growth_decimals,
        base_year=base_year,
        qualifier=qualifier,
        note="; ".join(dict.fromkeys(notes)),
        problem="; ".join(problems),
    )
    return row


def _blank_row(text: str, start: int, end: int) -> dict:
    row = dict.fromkeys(_ROW_COLUMNS)
    row.update(
        value_usd=float("nan"),
        growth=float("nan"),
        text=text[start:end],
        start=start,
        end=end,
        qualifier="",
        note="",
        problem="",
    )
    return row


def _leftovers(text: str, events, sentence, claims) -> list[dict]:
    """Rows for figures that were not read: unread growth rates, numbers without units."""
    rows = []
    used = set()
    for c in claims:
        used.update(id(e) for e in (c.amount, c.growth) if e is not None)
    topical = {sentence[e.start] for e in events if e.kind in ("measure", "amount")}
    for ev in events:
        if id(ev) in used:
            continue
        problem = None
        if ev.kind == "growth":
            problem = ev.data.get("unread") or ev.data.get("problem")
            if ev.data["kind"] == "times" and sentence[ev.start] not in topical:
                problem = None  # "the sides met 3 times": not a trade figure
        elif ev.kind == "problem":
            problem = ev.data["problem"]
        elif ev.kind == "bare" and sentence[ev.start] in topical:
            problem = "a number without a unit (thousand, million, ...) or currency; not read"
        if problem:
            row = _blank_row(text, ev.start, ev.end)
            row["problem"] = problem
            rows.append(row)
    return rows


# --------------------------------------------------------------------------- precision


def stated_precision(
    text: str, *, value_usd: float = float("nan"), growth: float = float("nan")
) -> tuple[float, float]:
    """Half a unit of the last digit a figure was stated with: its rounding allowance.

    "60.9 million USD (+48.1%)" is exact to 0.05 million USD and 0.05 percentage points.
    The digits are read from ``text`` (as published); where the text shows no such figure,
    the precision is inferred from the value itself (its last non-zero digit).

    Parameters
    ----------
    text : str
        The phrase of the figure as published.
    value_usd, growth : float, optional
        The value and growth the phrase states, to pick the right number in ``text``
        and as the fallback.

    Returns
    -------
    tuple of float
        ``(value_half_unit_usd, growth_half_unit)``; the growth allowance is a fraction
        (0.0005 = 0.05 percentage points). For growth stated in times ("2.2 times") it is
        the allowance of the factor. NaN where nothing is stated.

    Examples
    --------
    >>> stated_precision("60.9 million USD (+48.1%)")
    (50000.0, 0.0005)
    >>> stated_precision("466 тыс. долларов США (-50,3%)")
    (500.0, 0.0005)
    >>> stated_precision("", value_usd=31_000_000.0, growth=1.18)
    (500000.0, 0.005)
    """
    text = text if isinstance(text, str) else ""
    decimal = _decimal_mark(text)
    amounts = [e for e in _select(_amount_events(text, decimal)) if e.kind == "amount"]
    if _finite(value_usd):
        # Several figures in the phrase: take the one that states this value.
        amounts.sort(key=lambda e: abs(abs(e.data["value"]) - abs(value_usd)))
    value_half = float("nan")
    if amounts:
        value_half = 0.5 * amounts[0].data["scale"] * 10.0 ** -amounts[0].data["decimals"]
    rates = [
        e
        for e in _select(_growth_events(text, decimal))
        if not e.data.get("problem") and e.data.get("word") is None
    ]
    if _finite(growth):
        rates.sort(key=lambda e: abs(_magnitude(e) - abs(growth)))
    growth_half = float("nan")
    if rates:
        scale = 100.0 if rates[0].data["kind"] == "percent" else 1.0
        growth_half = 0.5 * 10.0 ** -rates[0].data["decimals"] / scale
    if math.isnan(value_half) and _finite(value_usd) and value_usd != 0:
        value_half = 0.5 * _last_digit(abs(value_usd))
    if math.isnan(growth_half) and _finite(growth) and growth != 0:
        growth_half = 0.5 * _last_digit(abs(growth))
    return value_half, growth_half


def _magnitude(ev: _Event) -> float:
    """The size of a growth figure, ignoring its direction (a fraction)."""
    if ev.data["kind"] == "percent":
        return float(ev.data["number"]) / 100.0
    return abs(float(ev.data["number"]) - 1.0)


def _finite(x) -> bool:
    return x is not None and not pd.isna(x) and math.isfinite(float(x))


def _last_digit(x: float) -> float:
    """The place value of a number's last significant digit (60_900_000 → 100_000)."""
    digits = f"{x:.12g}"
    mantissa, _, exponent = digits.partition("e")
    exp = int(exponent) if exponent else 0
    if "." in mantissa:
        return 10.0 ** (exp - len(mantissa.split(".")[1]))
    stripped = mantissa.rstrip("0")
    return 10.0 ** (exp + len(mantissa) - len(stripped))


def period_label(year, first_month: int = 1, last_month: int = 12) -> str:
    """Name a claim's period as economists write it: "2021", "Jan–Apr 2022", "Apr 2022".

    Examples
    --------
    >>> period_label(2021)
    '2021'
    >>> period_label(2022, 1, 4)
    'Jan–Apr 2022'
    """
    if year is None or pd.isna(year):
        return "?"
    year = int(year)
    if pd.isna(first_month) or pd.isna(last_month):
        return str(year)
    first, last = int(first_month), int(last_month)
    if first == 1 and last == 12:
        return str(year)
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    if first == last:
        return f"{names[first - 1]} {year}"
    return f"{names[first - 1]}–{names[last - 1]} {year}"


# --------------------------------------------------------------------------- checking

#: Verdicts of :func:`check_statements`.
VERDICTS: tuple[str, ...] = ("consistent", "inconsistent", "not checkable")
#: Checks of :func:`check_statements`, in the order they are listed.
CHECKS: tuple[str, ...] = ("read", "value", "growth", "base", "sum", "balance", "base sum")
_BY = ("reporter", "partner", "flow", "source")
_APPROXIMATE = {
    "about",
    "around",
    "approximately",
    "approx.",
    "roughly",
    "nearly",
    "almost",
    "some",
    "close to",
    "около",
    "почти",
    "порядка",
    "примерно",
    "приблизительно",
}
_CHECK_COLUMNS = [
    "statement",
    "source",
    "date",
    "claim",
    "label",
    "reporter",
    "partner",
    "year",
    "first_month",
    "last_month",
    "measure",
    "check",
    "data_source",
    "base_period",
    "unit",
    "stated",
    "stated_low",
    "stated_high",
    "recorded",
    "difference",
    "relative_difference",
    "verdict",
    "reason",
    "low_base",
    "text",
]
_MEASURE_NAMES = {
    "turnover": "turnover",
    "export": "exports",
    "import": "imports",
    "balance": "balance",
}
_EPS = 1e-9


def _money(x: float) -> str:
    """A value in USD as statements write it: "57.13 M USD", "466 thousand USD"."""
    if x is None or not math.isfinite(x):
        return "n/a"
    size = abs(x)
    if size >= 1e9:
        return f"{x / 1e9:.4g} bn USD"
    if size >= 1e6:
        return f"{x / 1e6:.4g} M USD"
    if size >= 1e3:
        return f"{x / 1e3:.4g} thousand USD"
    return f"{x:.4g} USD"


def _rate(g: float, half: float = float("nan")) -> str:
    """A growth fraction as a signed percentage, to the stated digits where known."""
    if g is None or not math.isfinite(g):
        return "n/a"
    digits = 1
    if math.isfinite(half) and half > 0:
        digits = max(0, round(-math.log10(2 * half * 100)))
    return f"{g * 100:+.{digits}f}%"


def _check_claims(claims) -> pd.DataFrame:
    if not isinstance(claims, pd.DataFrame):
        raise ParameterError(
            f"check_statements: claims must be a DataFrame (from parse_statements or "
            f"kztrade.datasets.load_statements), got {type(claims).__name__}"
        )
    missing = [c for c in CLAIM_COLUMNS if c not in claims.columns]
    if missing:
        raise ParameterError(
            f"check_statements: claims lack column(s) {missing}; build them with "
            "parse_statements or kztrade.datasets.load_statements"
        )
    bad = ~claims["measure"].isin(MEASURES) & _readable(claims)
    if bad.any():
        raise ParameterError(
            f"check_statements: column 'measure' must be one of {list(MEASURES)}, got "
            f"{sorted(set(claims.loc[bad, 'measure'].astype(str)))}"
        )
    return claims


def _readable(claims: pd.DataFrame) -> pd.Series:
    """Rows that state a figure that could be read (no ``problem``)."""
    if "problem" not in claims.columns:
        return pd.Series(True, index=claims.index)
    return claims["problem"].fillna("").astype(str) == ""


def _check_tolerance(tolerance) -> float:
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)):
        raise ParameterError(
            f"check_statements: tolerance must be a fraction such as 0.01 (1%), got {tolerance!r}"
        )
    if not (math.isfinite(tolerance) and 0 <= tolerance < 1):
        raise ParameterError(
            f"check_statements: tolerance must be a fraction between 0 and 1 (0.01 = 1%), "
            f"got {tolerance!r}"
        )
    return float(tolerance)


def _data_frames(data, sources) -> list[pd.DataFrame]:
    frames = [data] if isinstance(data, pd.DataFrame) else list(data) if data is not None else []
    if not frames or not all(isinstance(f, pd.DataFrame) for f in frames):
        raise ParameterError(
            "check_statements: data must be a tidy trade frame (or a list of them, e.g. an "
            "annual and a monthly one), such as kztrade.datasets.load_partner_annual()"
        )
    frames = [validate(f, name="check_statements data") for f in frames]
    if sources is not None:
        if isinstance(sources, str):
            sources = [sources]
        sources = list(sources)
        if not sources:
            raise ParameterError(
                "check_statements: sources is empty; name sources such as ['BNS'] or pass "
                "None to check against every source in the data"
            )
        known = sorted(set().union(*(set(f["source"]) for f in frames)))
        unknown = [s for s in sources if s not in known]
        if unknown:
            raise ParameterError(
                f"check_statements: sources {unknown} are not in the data; it has {known}"
            )
        frames = [f[f["source"].isin(sources)] for f in frames]
    return frames


@dataclass
class _Stated:
    """What a claim states, with the interval its rounding allows."""

    value: float
    value_low: float
    value_high: float
    value_half: float
    growth: float
    growth_low: float
    growth_high: float
    growth_half: float


def _stated(row) -> _Stated:
    value, growth = float(row.value_usd), float(row.growth)
    text = row.text if isinstance(row.text, str) else ""
    value_half, growth_half = stated_precision(text, value_usd=value, growth=growth)
    value_half = 0.0 if math.isnan(value_half) else value_half
    growth_half = 0.0 if math.isnan(growth_half) else growth_half
    low, high = value - value_half, value + value_half
    qualifier = str(getattr(row, "qualifier", "") or "")
    if qualifier in _LOWER_BOUND:
        low, high = value, math.inf
    elif qualifier in _UPPER_BOUND:
        low, high = -math.inf, value
    g_low, g_high = growth - growth_half, growth + growth_half
    if _times_down(text, growth):
        # "fell 2 times": the factor 2 is what was rounded, the growth is 1/2 - 1
        factor = 1.0 / (1.0 + growth)
        g_low = 1.0 / (factor + growth_half) - 1.0
        g_high = 1.0 / (factor - growth_half) - 1.0
    return _Stated(value, low, high, value_half, growth, g_low, g_high, growth_half)


def _times_down(text: str, growth: float) -> bool:
    if not (_finite(growth) and growth < 0):
        return False
    return any(e.data["kind"] == "times" for e in _growth_events(text, _decimal_mark(text)))


def _within(x: float, low: float, high: float, allowance: float) -> bool:
    slack = allowance + _EPS * max(1.0, abs(x))
    return low - slack <= x <= high + slack


@dataclass
class _Recorded:
    """One source's recomputation of one claim, or why there is none."""

    value: float = float("nan")
    base: float = float("nan")
    growth: float = float("nan")
    low_base: bool = False
    note: str = ""
    why_not: str = ""


def _lag(claim) -> int:
    base_year = getattr(claim, "base_year", None)
    if base_year is None or pd.isna(base_year):
        return 1
    return int(claim.year) - int(base_year)


def _totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep each source's all-goods rows where it has them, so nothing is counted twice."""
    parts = []
    for _, part in frame.groupby("source", sort=True):
        if (part["commodity"] == TOTAL).any():
            part = part[part["commodity"] == TOTAL]
        parts.append(part)
    return pd.concat(parts) if parts else frame


class _Recomputation:
    """Every source's figures for the claims' periods, computed once with kztrade.growth."""

    def __init__(self, frames: list[pd.DataFrame], claims: pd.DataFrame) -> None:
        self.results: list[tuple[str, pd.DataFrame]] = []  # (frequency, growth table)
        self.coverage: dict[tuple[str, str, str], dict[str, tuple[int, int]]] = {}
        self.sources: list[str] = []
        pairs = set(zip(claims["reporter"], claims["partner"], strict=True))
        annual = claims[(claims["first_month"] == 1) & (claims["last_month"] == 12)]
        lags = sorted({_lag(c) for c in annual.itertuples()} | {1})
        spans = sorted(
            {
                (int(c.year), int(c.last_month))
                for c in claims.itertuples()
                if int(c.first_month) == 1
            }
        )
        for frame in frames:
            for source in frame["source"].unique():
                if source not in self.sources:
                    self.sources.append(source)
            keep = [
                (r, p) in pairs for r, p in zip(frame["reporter"], frame["partner"], strict=True)
            ]
            frame = frame[np.asarray(keep, dtype=bool)]
            if frame.empty:
                continue
            frame = _totals(frame)
            freq = frequency(frame)
            for (source, reporter, partner), part in frame.groupby(
                ["source", "reporter", "partner"], sort=False
            ):
                years = part["period"].dt.year
                self.coverage.setdefault((source, reporter, partner), {})[freq] = (
                    int(years.min()),
                    int(years.max()),
                )
            table = _growth.with_turnover(frame)
            if freq == "Y":
                for lag in lags:
                    out = _growth.yoy(table, by=_BY, periods=lag)
                    self.results.append(("Y", out.assign(_lag=lag, _first=1, _last=12)))
            else:
                for year, last in spans:
                    out = _growth.ytd(table, through=f"{year}-{last:02d}", by=_BY)
                    self.results.append(("M", out.assign(_lag=1, _first=1, _last=last)))
                out = _growth.yoy(table, by=_BY)
                months = out["period"].dt.month
                out = out.assign(period=out["period"].dt.year, _lag=1, _first=months, _last=months)
                self.results.append(("m", out))

    def lookup(self, claim, source: str) -> _Recorded:
        reporter, partner = claim.reporter, claim.partner
        year, first, last = int(claim.year), int(claim.first_month), int(claim.last_month)
        span = period_label(year, first, last)
        coverage = self.coverage.get((source, reporter, partner), {})
        pair = f"{reporter}–{partner}"
        if not coverage:
            return _Recorded(why_not=f"no {pair} data")
        if not (first == 1 or first == last):
            return _Recorded(
                why_not="only January-to-month spans and single months can be recomputed"
            )
        lag = _lag(claim)
        kinds = ["Y", "M"] if (first, last) == (1, 12) else ["M"] if first == 1 else ["m"]
        if first == last == 1:
            kinds = ["M", "m"]
        for kind in kinds:
            freq = "Y" if kind == "Y" else "M"
            if freq not in coverage:
                continue
            lo, hi = coverage[freq]
            if not lo <= year <= hi:
                continue
            for got_kind, table in self.results:
                if got_kind != kind:
                    continue
                period = table["period"]
                years = period.dt.year if hasattr(period, "dt") else period
                hit = table[
                    (table["reporter"] == reporter)
                    & (table["partner"] == partner)
                    & (table["source"] == source)
                    & (table["flow"].astype(object) == claim.measure)
                    & (years == year)
                    & (table["_first"] == first)
                    & (table["_last"] == last)
                    & (table["_lag"] == (lag if kind == "Y" else 1))
                ]
                if hit.empty:
                    continue
                row = hit.iloc[0]
                base_year = year - (lag if kind == "Y" else 1)
                if base_year != year - lag:
                    return _Recorded(
                        value=float(row["value_usd"]),
                        note=str(row["note"]),
                        why_not=f"the growth compares with {year - lag}; {span} growth "
                        f"can only be recomputed on {base_year}",
                    )
                return _Recorded(
                    value=float(row["value_usd"]),
                    base=float(row["base_usd"]),
                    growth=float(row["growth"]),
                    low_base=bool(row["low_base"]),
                    note=str(row["note"]),
                )
        have = ", ".join(
            f"{'annual' if f == 'Y' else 'monthly'} {lo}–{hi}"
            for f, (lo, hi) in sorted(coverage.items(), reverse=True)
        )
        if "M" not in coverage and (first, last) != (1, 12):
            return _Recorded(why_not=f"annual {pair} data only; a {span} figure needs monthly data")
        return _Recorded(why_not=f"no {span} figure for {pair} (it has {have})")


def _row_base(claim, position) -> dict:
    year = claim.year if not pd.isna(claim.year) else None
    first = claim.first_month if not pd.isna(claim.first_month) else None
    last = claim.last_month if not pd.isna(claim.last_month) else None
    measure = claim.measure if isinstance(claim.measure, str) else ""
    label = f"{measure} {period_label(year, first or 1, last or 12)}" if measure else "(not read)"
    return dict(
        statement=claim.statement,
        source=claim.source,
        date=claim.date,
        claim=position,
        label=label,
        reporter=claim.reporter,
        partner=claim.partner,
        year=year,
        first_month=first,
        last_month=last,
        measure=measure,
        check="",
        data_source="",
        base_period="",
        unit="",
        stated=float("nan"),
        stated_low=float("nan"),
        stated_high=float("nan"),
        recorded=float("nan"),
        difference=float("nan"),
        relative_difference=float("nan"),
        verdict="not checkable",
        reason="",
        low_base=False,
        text=claim.text,
    )


def _compare(row: dict, recorded: float, allowance: float, *, what: str, say) -> dict:
    """Fill a check row's verdict: is the recorded figure within the stated interval."""
    row["recorded"] = recorded
    row["difference"] = row["stated"] - recorded
    if recorded != 0:
        row["relative_difference"] = row["difference"] / abs(recorded)
    if _within(recorded, row["stated_low"], row["stated_high"], allowance):
        row["verdict"] = "consistent"
        row["reason"] = f"{what} records {say(recorded)}, within the stated figure's rounding"
    else:
        row["verdict"] = "inconsistent"
    return row


def _value_rows(claim, position, stated: _Stated, source, rec: _Recorded, tol) -> list[dict]:
    rows = []
    name = _MEASURE_NAMES[claim.measure]
    span = period_label(claim.year, claim.first_month, claim.last_month)
    base_label = period_label(int(claim.year) - _lag(claim), claim.first_month, claim.last_month)
    if _finite(stated.value):
        row = _row_base(claim, position)
        row.update(
            check="value",
            data_source=source,
            unit="USD",
            stated=stated.value,
            stated_low=stated.value_low,
            stated_high=stated.value_high,
        )
        if rec.why_not or not _finite(rec.value):
            row["reason"] = f"{source}: {rec.why_not or rec.note or 'no value'}"
        else:
            _compare(row, rec.value, tol * abs(rec.value), what=source, say=_money)
            if row["verdict"] == "inconsistent":
                gap = stated.value - rec.value
                row["reason"] = (
                    f"{source} records {_money(rec.value)} of {name} in {span}; the stated "
                    f"{_money(stated.value)} is {_money(abs(gap))} "
                    f"({abs(gap) / abs(rec.value):.1%}) {'higher' if gap > 0 else 'lower'}"
                )
                if stated.value_half:
                    row["reason"] += f", beyond its rounding (±{_money(stated.value_half)})"
        rows.append(row)
    if _finite(stated.growth):
        row = _row_base(claim, position)
        row.update(
            check="growth",
            base_period=base_label,
            data_source=source,
            unit="fraction",
            stated=stated.growth,
            stated_low=stated.growth_low,
            stated_high=stated.growth_high,
        )
        if rec.why_not or not _finite(rec.growth):
            row["reason"] = f"{source}: {rec.why_not or rec.note or 'no growth rate'}"
        else:
            row["low_base"] = rec.low_base
            _compare(
                row, rec.growth, tol * abs(1 + rec.growth), what=source, say=lambda g: _rate(g)
            )
            said = _rate(stated.growth, stated.growth_half)
            if row["verdict"] == "inconsistent":
                pp = (stated.growth - rec.growth) * 100
                row["reason"] = (
                    f"{source} gives {_rate(rec.growth)} ({_money(rec.value)} on "
                    f"{_money(rec.base)} in {base_label}); the stated {said} is "
                    f"{abs(pp):.1f} percentage points {'higher' if pp > 0 else 'lower'}"
                )
            if rec.low_base:
                row["reason"] += f" (growth on a low base of {_money(rec.base)})"
        rows.append(row)
    if _finite(stated.value) and _finite(stated.growth) and claim.measure != "balance":
        low, high = _implied_base(stated)
        row = _row_base(claim, position)
        implied = stated.value / (1 + stated.growth)
        row.update(
            check="base",
            base_period=base_label,
            data_source=source,
            unit="USD",
            stated=implied,
            stated_low=low,
            stated_high=high,
        )
        if rec.why_not or not _finite(rec.base):
            row["reason"] = f"{source}: {rec.why_not or rec.note or 'no base value'}"
        else:
            _compare(row, rec.base, tol * abs(rec.base), what=source, say=_money)
            if row["verdict"] == "inconsistent":
                gap = implied - rec.base
                row["reason"] = (
                    f"the stated {_rate(stated.growth, stated.growth_half)} implies "
                    f"{_money(implied)} of {name} in {base_label} "
                    f"({_money(low)} to {_money(high)}); {source} records {_money(rec.base)}: "
                    f"{_money(abs(gap))} ({abs(gap) / abs(rec.base):.1%}) "
                    f"{'higher' if gap > 0 else 'lower'}"
                )
        rows.append(row)
    return rows


def _implied_base(stated: _Stated) -> tuple[float, float]:
    """The base value a stated value and growth imply, as an interval of their rounding."""
    factors = (1 + stated.growth_low, 1 + stated.growth_high)
    if min(factors) <= 0:
        return -math.inf, math.inf
    return stated.value_low / factors[1], stated.value_high / factors[0]


def _internal_rows(claims: pd.DataFrame, stated: dict, tol: float) -> list[dict]:
    """Within one statement and period: exports + imports against turnover, and bases."""
    rows = []
    keys = ["statement", "reporter", "partner", "year", "first_month", "last_month"]
    for _, group in claims.groupby(keys, sort=False, dropna=True):
        by_measure = {}
        for position, claim in zip(group["claim_row"], group.itertuples(), strict=True):
            by_measure.setdefault(claim.measure, (position, claim, stated[position]))
        exp, imp = by_measure.get("export"), by_measure.get("import")
        if exp is None or imp is None:
            continue
        e, i = exp[2], imp[2]
        for measure, sign in (("turnover", 1), ("balance", -1)):
            if measure not in by_measure:
                continue
            position, claim, t = by_measure[measure]
            if not (_finite(t.value) and _finite(e.value) and _finite(i.value)):
                continue
            parts = e.value + sign * i.value
            low = e.value_low + (i.value_low if sign > 0 else -i.value_high)
            high = e.value_high + (i.value_high if sign > 0 else -i.value_low)
            row = _row_base(claim, position)
            row.update(
                check="sum" if measure == "turnover" else "balance",
                data_source="statement",
                unit="USD",
                stated=t.value,
                stated_low=t.value_low,
                stated_high=t.value_high,
                recorded=parts,
                difference=t.value - parts,
            )
            if parts:
                row["relative_difference"] = (t.value - parts) / abs(parts)
            op = "+" if sign > 0 else "−"
            overlap = (
                low <= t.value_high + tol * abs(parts) and t.value_low - tol * abs(parts) <= high
            )
            row["verdict"] = "consistent" if overlap else "inconsistent"
            row["reason"] = (
                f"exports {_money(e.value)} {op} imports {_money(i.value)} = {_money(parts)} "
                f"against the stated {measure} of {_money(t.value)}: "
                + (
                    "consistent within rounding"
                    if overlap
                    else f"{_money(abs(t.value - parts))} apart, beyond rounding"
                )
            )
            rows.append(row)
        if "turnover" in by_measure:
            position, claim, t = by_measure["turnover"]
            if all(_finite(x.value) and _finite(x.growth) for x in (t, e, i)):
                e_low, e_high = _implied_base(e)
                i_low, i_high = _implied_base(i)
                t_low, t_high = _implied_base(t)
                parts = e.value / (1 + e.growth) + i.value / (1 + i.growth)
                implied = t.value / (1 + t.growth)
                row = _row_base(claim, position)
                row.update(
                    check="base sum",
                    base_period=period_label(
                        int(claim.year) - 1, claim.first_month, claim.last_month
                    ),
                    data_source="statement",
                    unit="USD",
                    stated=implied,
                    stated_low=t_low,
                    stated_high=t_high,
                    recorded=parts,
                    difference=implied - parts,
                    relative_difference=(implied - parts) / abs(parts) if parts else float("nan"),
                )
                overlap = (
                    e_low + i_low <= t_high + tol * abs(parts)
                    and t_low - tol * abs(parts) <= e_high + i_high
                )
                row["verdict"] = "consistent" if overlap else "inconsistent"
                base = period_label(int(claim.year) - 1, claim.first_month, claim.last_month)
                row["reason"] = (
                    f"bases implied for {base}: exports {_money(e.value / (1 + e.growth))} + "
                    f"imports {_money(i.value / (1 + i.growth))} = {_money(parts)} against "
                    f"{_money(implied)} implied by turnover's "
                    f"{_rate(t.growth, t.growth_half)}: "
                    + ("consistent within rounding" if overlap else "inconsistent beyond rounding")
                )
                rows.append(row)
    return rows


def check_statements(
    claims: pd.DataFrame,
    data,
    *,
    tolerance: float = 0.0,
    sources=None,
) -> pd.DataFrame:
    """Check each claim of a statement against the data, source by source.

    For every claim and every source in ``data`` the value, the growth and the base the
    growth implies are recomputed with :mod:`kztrade.growth` (annual data for whole years,
    monthly data for January-to-month spans and single months) and compared with what
    the statement says. A stated figure is **consistent** when the recorded one rounds to
    it: it lies within half a unit of the last stated digit (60.9 million: 60.85 to 60.95
    million; +48.1%: +48.05% to +48.15%), widened by ``tolerance``. Otherwise it is
    **inconsistent**, with the size of the gap; or **not checkable**, with the reason (no
    data for that period, only annual data for a January-April figure, a figure that could
    not be read). The statement is also checked against itself: exports + imports against
    the stated turnover (and exports − imports against a stated balance), and the bases
    implied by the growth rates of exports and imports against that of turnover.

    Parameters
    ----------
    claims : DataFrame
        Claims from :func:`parse_statements` or :func:`kztrade.datasets.load_statements`.
    data : DataFrame or list of DataFrame
        Tidy trade frames (e.g. ``load_partner_annual()``), several sources side by side;
        an annual and a monthly frame may be given together.
    tolerance : float, default 0.0
        Extra room, as a fraction of the recorded value (0.01 = 1%), for revisions between
        the statement's data and the source's: values and bases may differ by this share,
        growth rates by this share of the growth factor (1 + growth).
    sources : str or list of str, optional
        Check against these sources of ``data`` only.

    Returns
    -------
    DataFrame
        One row per claim, check and source: ``statement``, ``source`` (who made the
        statement), ``claim`` (row position in ``claims``), ``label`` ("turnover 2021"),
        ``reporter``, ``partner``, ``year``, ``first_month``, ``last_month``, ``measure``,
        ``check`` (one of :data:`CHECKS`), ``data_source`` (or "statement" for checks of
        the statement against itself), ``unit`` ("USD" or "fraction"), ``stated``,
        ``stated_low``, ``stated_high`` (what rounding allows), ``recorded``,
        ``difference`` (stated − recorded), ``relative_difference`` (of the recorded),
        ``verdict`` (one of :data:`VERDICTS`), ``reason``, ``low_base`` and ``text``.

    Raises
    ------
    ParameterError
        If ``claims`` lack columns, ``tolerance`` is not a fraction, or ``sources`` are not
        in ``data``.
    SchemaError
        If ``data`` is not a tidy trade frame.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> data = make_frame({"period": [2020, 2020, 2021, 2021], "reporter": "KAZ",
    ...                    "partner": "MNG", "flow": ["export", "import"] * 2,
    ...                    "commodity": "TOTAL", "source": "BNS",
    ...                    "value_usd": [27.43e6, 1.87e6, 54.69e6, 2.44e6]}, freq="Y")
    >>> claims = parse_statements("In 2021 trade with Mongolia was 57.1 million USD "
    ...                           "(+48.1%).")
    >>> checked = check_statements(claims, data)
    >>> checked[["label", "check", "data_source", "verdict"]]
               label   check data_source       verdict
    0  turnover 2021   value         BNS    consistent
    1  turnover 2021  growth         BNS  inconsistent
    2  turnover 2021    base         BNS  inconsistent
    >>> print(checked.loc[1, "reason"])  # doctest: +NORMALIZE_WHITESPACE
    BNS gives +95.0% (57.13 M USD on 29.3 M USD in 2020);
    the stated +48.1% is 46.9 percentage points lower
    """
    claims = _check_claims(claims)
    tol = _check_tolerance(tolerance)
    frames = _data_frames(data, sources)
    claims = claims.assign(claim_row=range(len(claims)))
    readable = claims[_readable(claims) & claims["year"].notna()]
    rows: list[dict] = []
    for claim in claims[~claims.index.isin(readable.index)].itertuples():
        row = _row_base(claim, claim.claim_row)
        problem = getattr(claim, "problem", "") or "the claim names no period"
        row.update(check="read", reason=problem)
        rows.append(row)
    stated = {c.claim_row: _stated(c) for c in readable.itertuples()}
    if not readable.empty:
        recomputed = _Recomputation(frames, readable)
        for claim in readable.itertuples():
            for source in recomputed.sources:
                rec = recomputed.lookup(claim, source)
                rows += _value_rows(
                    claim, claim.claim_row, stated[claim.claim_row], source, rec, tol
                )
        rows += _internal_rows(readable, stated, tol)
    out = pd.DataFrame(rows, columns=_CHECK_COLUMNS)
    order = {c: i for i, c in enumerate(CHECKS)}
    out = out.assign(_order=out["check"].map(order))
    out = out.sort_values(["claim", "_order"], kind="stable").drop(columns="_order")
    for col in ("year", "first_month", "last_month"):
        out[col] = out[col].astype("Int64")
    out["low_base"] = out["low_base"].astype(bool)
    return out.reset_index(drop=True)


_SEVERITY = {"inconsistent": 0, "consistent": 1, "not checkable": 2}


def _worst(verdicts) -> str:
    """A claim's verdict against one source: inconsistent if any check is."""
    verdicts = list(verdicts)
    return min(verdicts, key=_SEVERITY.__getitem__) if verdicts else "not checkable"


def verdicts(checked: pd.DataFrame) -> pd.DataFrame:
    """One line per claim and source: stated and recorded figures and the overall verdict.

    Parameters
    ----------
    checked : DataFrame
        The result of :func:`check_statements`.

    Returns
    -------
    DataFrame
        ``claim``, ``label``, ``data_source`` ("statement" for checks of the statement against
        itself), ``stated_usd``, ``recorded_usd``, ``stated_growth``, ``recorded_growth``,
        ``verdict`` (inconsistent if any check is, consistent if any check is and none is
        inconsistent, else not checkable) and ``reason`` (the reasons of the checks that
        decided it), in the order of the claims.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> data = make_frame({"period": [2020, 2020, 2021, 2021], "reporter": "KAZ",
    ...                    "partner": "MNG", "flow": ["export", "import"] * 2,
    ...                    "commodity": "TOTAL", "source": "BNS",
    ...                    "value_usd": [27.43e6, 1.87e6, 54.69e6, 2.44e6]}, freq="Y")
    >>> claims = parse_statements("In 2021 exports to Mongolia were 54.7 million USD.")
    >>> verdicts(check_statements(claims, data))[["label", "data_source", "verdict"]]
             label data_source     verdict
    0  export 2021         BNS  consistent
    """
    _check_checked(checked, "verdicts")
    rows = []
    for (claim, source), group in checked.groupby(["claim", "data_source"], sort=False):
        verdict = _worst(group["verdict"])
        deciding = group[group["verdict"] == verdict]
        by_check = group.set_index("check")
        rows.append(
            dict(
                claim=claim,
                label=group["label"].iloc[0],
                data_source=source or "",
                stated_usd=_pick(by_check, "value", "stated"),
                recorded_usd=_pick(by_check, "value", "recorded"),
                stated_growth=_pick(by_check, "growth", "stated"),
                recorded_growth=_pick(by_check, "growth", "recorded"),
                verdict=verdict,
                reason="; ".join(dict.fromkeys(r for r in deciding["reason"] if r)),
            )
        )
    columns = [
        "claim",
        "label",
        "data_source",
        "stated_usd",
        "recorded_usd",
        "stated_growth",
        "recorded_growth",
        "verdict",
        "reason",
    ]
    out = pd.DataFrame(rows, columns=columns)
    internal = out["data_source"] == "statement"
    out = out.assign(_internal=internal).sort_values(["claim", "_internal"], kind="stable")
    return out.drop(columns="_internal").reset_index(drop=True)


def _pick(by_check: pd.DataFrame, check: str, column: str) -> float:
    if check not in by_check.index:
        return float("nan")
    value = by_check.loc[check, column]
    return float(value.iloc[0] if isinstance(value, pd.Series) else value)


def _check_checked(checked, func: str) -> None:
    if not isinstance(checked, pd.DataFrame) or any(
        c not in checked.columns for c in ("claim", "check", "data_source", "verdict")
    ):
        raise ParameterError(
            f"{func}: pass the frame returned by check_statements (columns 'claim', 'check', "
            "'data_source', 'verdict', ...)"
        )


def count_verdicts(checked: pd.DataFrame) -> dict[str, int]:
    """How many claims are inconsistent, consistent or not checkable against the data.

    A claim counts as inconsistent when any source contradicts it, as consistent when some
    source confirms it and none contradicts it, and as not checkable otherwise (the
    statement's checks against itself do not count here).

    Parameters
    ----------
    checked : DataFrame
        The result of :func:`check_statements`.

    Returns
    -------
    dict
        ``{"consistent": n, "inconsistent": n, "not checkable": n}``.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> data = make_frame({"period": [2020, 2020, 2021, 2021], "reporter": "KAZ",
    ...                    "partner": "MNG", "flow": ["export", "import"] * 2,
    ...                    "commodity": "TOTAL", "source": "BNS",
    ...                    "value_usd": [27.43e6, 1.87e6, 54.69e6, 2.44e6]}, freq="Y")
    >>> claims = parse_statements("In 2021 exports to Mongolia were 54.7 million USD, "
    ...                           "imports 3.1 million USD.")
    >>> count_verdicts(check_statements(claims, data))
    {'consistent': 1, 'inconsistent': 1, 'not checkable': 0}
    """
    _check_checked(checked, "count_verdicts")
    external = checked[checked["data_source"] != "statement"]
    overall = [_worst(group["verdict"]) for _, group in external.groupby("claim", sort=False)]
    return {v: sum(1 for x in overall if x == v) for v in VERDICTS}


def check_parameters(
    statement,
    *,
    reporter="KAZ",
    partner="",
    date="",
    sources=None,
    tolerance=0.0,
) -> None:
    """Check the parameters of a statement check before any work, with messages that say the fix.

    Parameters
    ----------
    statement : str
        The statement's text: it must state at least one figure.
    reporter, partner : str
        ISO3 codes; ``partner`` may be "" (read from the text). When the text names
        countries in English, ``partner`` must be one of them.
    date : str
        Release date, ISO ("2022-05-12", "2022-05") or "".
    sources : list of str, optional
        Data sources to check against; None for all. Must not be empty.
    tolerance : float
        A fraction between 0 and 1.

    Raises
    ------
    ParameterError
        Naming the parameter and what to give instead.

    Examples
    --------
    >>> check_parameters("In 2021 trade with Mongolia made 60.9 million USD.", partner="MNG")
    >>> check_parameters("In 2021 trade with Mongolia made 60.9 million USD.", partner="KGZ")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: partner='KGZ' but the statement names ['MNG']; ...
    """
    if not isinstance(statement, str) or not statement.strip():
        raise ParameterError(
            "statement must be the text of a statement, e.g. 'In 2021 trade with Mongolia "
            f"made 60.9 million USD (+48.1%).', got {statement!r}"
        )
    if not isinstance(partner, str):
        raise ParameterError(
            f"partner must be an ISO3 code such as 'MNG', or '' to read it from the text, "
            f"got {partner!r}"
        )
    _check_codes(reporter, partner or None)
    _release_year(date)
    _check_tolerance(tolerance)
    if sources is not None and (
        isinstance(sources, str)
        or not list(sources)
        or not all(isinstance(x, str) and x for x in sources)
    ):
        raise ParameterError(
            f"sources must be a non-empty list of source names such as ['BNS', 'COMTRADE'], "
            f"or None for all, got {sources!r}"
        )
    named = []
    for m in _CAPITALISED.finditer(statement):
        for code in _countries_in(m.group(0)):
            if code not in named and code != reporter and code != "USA":
                named.append(code)
    if partner and named and partner not in named:
        raise ParameterError(
            f"partner={partner!r} but the statement names {named}; set partner to the "
            "country the figures are about, or '' to read it from the text"
        )
    claims = parse_statements(statement, reporter=reporter, partner=partner or None, date=date)
    if (claims["problem"] == "").sum() == 0:
        raise ParameterError(
            "statement: no figure could be read (a value in USD or a growth rate with its "
            "measure and period); see kztrade.statements.parse_statements for what is read"
        )


def summarize_checks(checked: pd.DataFrame) -> str:
    """Say in plain words what the check found, claim by claim (Markdown).

    Parameters
    ----------
    checked : DataFrame
        The result of :func:`check_statements`.

    Returns
    -------
    str
        A headline count of verdicts, then one bullet per claim: what the sources record
        where they disagree ("BNS gives 57.13 M USD (+94.9% on 29.31 M USD in 2020), not
        60.9 M USD (+48.1%)"), where they agree, why the rest cannot be checked, and the
        statement's checks against itself.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> data = make_frame({"period": [2020, 2020, 2021, 2021], "reporter": "KAZ",
    ...                    "partner": "MNG", "flow": ["export", "import"] * 2,
    ...                    "commodity": "TOTAL", "source": "BNS",
    ...                    "value_usd": [27.43e6, 1.87e6, 54.69e6, 2.44e6]}, freq="Y")
    >>> claims = parse_statements("In 2021 trade with Mongolia made 60.9 million USD.")
    >>> print(summarize_checks(check_statements(claims, data)))
    Checked 1 figure against the data: 1 inconsistent, 0 consistent, 0 not checkable.
    <BLANKLINE>
    - **turnover 2021**, stated 60.9 M USD: BNS gives 57.13 M USD, not 60.9 M USD.
    """
    _check_checked(checked, "summarize_checks")
    table = verdicts(checked)
    claims = list(dict.fromkeys(table["claim"]))
    counts = count_verdicts(checked)
    lines = [
        f"Checked {len(claims)} figure{'s' if len(claims) != 1 else ''} against the data: "
        f"{counts['inconsistent']} inconsistent, {counts['consistent']} consistent, "
        f"{counts['not checkable']} not checkable.",
        "",
    ]
    for claim in claims:
        rows = table[table["claim"] == claim]
        mine = checked[checked["claim"] == claim]
        first = rows.iloc[0]
        said = _said(first["stated_usd"], first["stated_growth"], mine)
        parts = []
        for verdict in ("inconsistent", "consistent"):
            hits = rows[(rows["verdict"] == verdict) & (rows["data_source"] != "statement")]
            for hit in hits.itertuples():
                got = _said(hit.recorded_usd, hit.recorded_growth, mine, hit.data_source)
                if verdict == "inconsistent":
                    parts.append(f"{hit.data_source} gives {got}, not {said}")
                else:
                    parts.append(f"{hit.data_source} agrees ({got})")
        unchecked = rows[
            (rows["verdict"] == "not checkable") & (rows["data_source"] != "statement")
        ]
        shared = pd.Series(
            [
                _strip_source(r, [d])
                for r, d in zip(unchecked["reason"], unchecked["data_source"], strict=True)
            ],
            index=unchecked.index,
            dtype=object,
        )
        for reason, group in unchecked.groupby(shared, sort=False):
            names = ", ".join(n for n in group["data_source"].astype(str) if n)
            subject = f"not checkable against {names}" if names else "not checkable"
            parts.append(f"{subject}: {reason}")
        for hit in rows[rows["data_source"] == "statement"].itertuples():
            parts.append(f"within the statement, {hit.verdict}: {hit.reason}")
        head = f"- **{first['label']}**"
        if said:
            head += f", stated {said}"
        elif first["data_source"] == "":
            head += f" {mine['text'].iloc[0]!r}"
        lines.append(head + ": " + "; ".join(parts) + ".")
    return "\n".join(lines)


def _said(value, growth, checks: pd.DataFrame, source=None) -> str:
    """Say a value with its growth, and the source's base when ``source`` is given.

    "60.9 M USD (+48.1%)" as stated; "57.13 M USD (+94.9% on 29.31 M USD in 2020)" as
    recorded.
    """
    bits = []
    if _finite(value):
        bits.append(_money(value))
    if _finite(growth):
        rows = checks[checks["check"] == "growth"]
        if source is None:
            half = float((rows["stated_high"].iloc[0] - rows["stated_low"].iloc[0]) / 2)
            rate = _rate(growth, half)
        else:
            rate = _rate(growth)
            base = checks[(checks["check"] == "base") & (checks["data_source"] == source)]
            if len(base) and _finite(base["recorded"].iloc[0]):
                rate += (
                    f" on {_money(float(base['recorded'].iloc[0]))} in "
                    f"{base['base_period'].iloc[0]}"
                )
        bits.append(f"({rate})" if bits else rate)
    return " ".join(bits)


def _strip_source(reason: str, sources) -> str:
    """Drop a leading source name from a reason shared by several sources."""
    for name in sources:
        if reason.startswith(f"{name}: "):
            return reason[len(name) + 2 :]
    return reason


def plot_claims(checked: pd.DataFrame, *, ax=None, title: str | None = None, **kwargs):
    """Bar chart of stated against recorded values, claim by claim and source by source.

    Parameters
    ----------
    checked : DataFrame
        The result of :func:`check_statements`.
    ax : matplotlib Axes, optional
        Where to draw; the current Axes by default.
    title : str, optional
        By default "Stated vs recorded trade values, <reporter>–<partner>: <periods>".
    **kwargs
        Passed on to :func:`seaborn.barplot`.

    Returns
    -------
    matplotlib Axes
        With values in million USD, one bar for the statement and one per source (a
        missing bar: not checkable), and a caption naming the sources.

    Raises
    ------
    ParameterError
        If ``checked`` holds no stated values.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from kztrade.schema import make_frame
    >>> data = make_frame({"period": [2020, 2020, 2021, 2021], "reporter": "KAZ",
    ...                    "partner": "MNG", "flow": ["export", "import"] * 2,
    ...                    "commodity": "TOTAL", "source": "BNS",
    ...                    "value_usd": [27.43e6, 1.87e6, 54.69e6, 2.44e6]}, freq="Y")
    >>> claims = parse_statements("In 2021 trade with Mongolia made 60.9 million USD.")
    >>> ax = plot_claims(check_statements(claims, data))
    >>> ax.get_ylabel()
    'million USD'
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['stated', 'BNS']
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    _check_checked(checked, "plot_claims")
    values = checked[checked["check"] == "value"]
    if values.empty:
        raise ParameterError(
            "plot_claims: the checks hold no stated values (check 'value') to plot; "
            "parse a statement that states values in USD"
        )
    stated = values.drop_duplicates("claim")
    speaker = ", ".join(s for s in dict.fromkeys(stated["source"].astype(str)) if s)
    stated_name = f"stated ({speaker})" if speaker else "stated"
    long = pd.concat(
        [
            pd.DataFrame(
                {"label": stated["label"], "series": stated_name, "musd": stated["stated"] / 1e6}
            ),
            pd.DataFrame(
                {
                    "label": values["label"],
                    "series": values["data_source"],
                    "musd": values["recorded"] / 1e6,
                }
            ),
        ],
        ignore_index=True,
    )
    if ax is None:
        ax = plt.gca()
    sns.barplot(data=long, x="label", y="musd", hue="series", ax=ax, **kwargs)
    for container in ax.containers:
        ax.bar_label(container, fmt="%.4g", fontsize="x-small")
    ax.set_xlabel("")
    ax.set_ylabel("million USD")
    pairs = sorted(set(zip(values["reporter"], values["partner"], strict=True)))
    pair = ", ".join(f"{r}–{p}" for r, p in pairs)
    spans = ", ".join(
        dict.fromkeys(
            period_label(r.year, r.first_month, r.last_month)
            for r in stated.sort_values(["year", "last_month"]).itertuples()
        )
    )
    default = f"Stated vs recorded trade values, {pair}: {spans}"
    ax.set_title(title if title is not None else default)
    said = ", ".join(
        ", ".join(x for x in (row.source or row.statement, row.date) if x)
        for row in values.drop_duplicates("statement").itertuples()
    )
    sources = ", ".join(dict.fromkeys(values["data_source"].astype(str)))
    legend = ax.get_legend()
    if legend is not None:
        legend.set_title(None)
    ax.annotate(
        f"Stated: {said}. Recorded: {sources}. No bar: not checkable.",
        xy=(0, -0.14),
        xycoords="axes fraction",
        va="top",
        fontsize="x-small",
    )
    return ax
