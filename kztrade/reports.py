"""Run kztrade's notebooks with papermill and turn them into reports worth forwarding.

A report is a folder::

    reports/
        index.html                     links every report, with status and key figures
        manifest.json                  parameters, versions, data, key figures, timings
        trade_overview_MNG.html        self-contained: images embedded, code hidden
        trade_overview_MNG.ipynb       the executed notebook
        ...

:func:`build_report` runs a batch (notebooks × partners), in parallel processes if asked,
keeps going when a notebook fails, and swaps the finished results into the folder file by
file with :func:`os.replace`, under a lock, so that two runs into the same folder never
leave half-written files. :func:`run_notebook` runs one notebook; :func:`render_html`
renders one executed notebook. Inside a notebook, :func:`record` reports a key figure and
:func:`record_sources` the data a figure came from; the runner reads both back into the
manifest and the index.

This module does not analyse trade (see :mod:`kztrade.growth` and friends), does not parse
the command line (see :mod:`kztrade.cli`) and does not schedule runs (use cron or an
existing scheduler).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import difflib
import hashlib
import html
import json
import math
import multiprocessing
import numbers
import os
import platform
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from kztrade.errors import KztradeError, ParameterError
from kztrade.notebooks import bind_parameters, country_name, find_notebook, read_parameters
from kztrade.params import check_code, check_output_name, check_values, injected_source

try:  # POSIX; elsewhere concurrent runs into one folder are not serialised
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

__all__ = [
    "RECORD_MIME",
    "DEFAULT_NOTEBOOKS",
    "DEFAULT_KERNEL",
    "STATEMENT_NOTEBOOK",
    "record_all",
    "record",
    "record_sources",
    "read_records",
    "render_html",
    "run_notebook",
    "build_report",
    "Job",
    "Result",
    "Report",
    "atomic_write",
    "inert_html",
]

#: The mime type of the outputs :func:`record` and :func:`record_sources` display.
RECORD_MIME = "application/vnd.kztrade.record+json"
#: The notebooks ``kztrade report`` runs when none are named.
DEFAULT_NOTEBOOKS: tuple[str, ...] = (
    "trade_overview",
    "commodity_structure",
    "turnover_forecast",
)
#: The notebook ``kztrade report --statement TEXT`` adds, to check an official statement.
STATEMENT_NOTEBOOK = "statement_check"
#: The Jupyter kernel notebooks run in: ipykernel's own, i.e. the Python that runs kztrade.
DEFAULT_KERNEL = "python3"
#: The packages whose versions the manifest lists.
VERSIONED_PACKAGES: tuple[str, ...] = (
    "kztrade",
    "pandas",
    "numpy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "pyarrow",
    "papermill",
    "nbconvert",
    "nbformat",
    "ipykernel",
)
_LOCK_NAME = ".kztrade.lock"
_STAGING_PREFIX = ".run-"
_PARTNER = "partner"


# --------------------------------------------------------------------------------------
# Inside a notebook: record key figures and data sources
# --------------------------------------------------------------------------------------


def _plain(value):
    """Turn numpy/pandas scalars into JSON values; non-finite numbers into None."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        with contextlib.suppress(ValueError, TypeError):
            value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)  # Period, Timestamp and the like


def _display(payload: dict, text: str) -> None:
    from IPython.display import display

    display({RECORD_MIME: payload, "text/plain": text}, raw=True, metadata={"kztrade": True})


def record(name: str, value, *, unit: str | None = None, label: str | None = None) -> dict:
    """Report a key figure from inside a notebook, for the manifest and the index.

    The figure is displayed as an output of mime type :data:`RECORD_MIME` (with a plain
    text line for readers of the notebook); the runner reads it back from the executed
    notebook and leaves it out of the HTML report. Outside a notebook nothing is shown.

    Parameters
    ----------
    name : str
        An identifier, e.g. ``"turnover_2024"``. A later record of the same name wins.
    value : number, str, bool or None
        The figure. numpy and pandas scalars are converted; NaN and infinities become
        ``None`` (JSON has no NaN).
    unit : str, optional
        ``"USD"`` for US dollars, ``"%"`` for a share or level in percent, ``"% change"``
        for a growth rate or relative difference in percent, ``"pp"`` for percentage
        points, or any unit text.
    label : str, optional
        How to name the figure in the index, e.g. ``"Turnover 2024"``.

    Returns
    -------
    dict
        What was recorded: ``{"name", "value", "unit", "label"}``.

    Examples
    --------
    >>> record("turnover_2021", 57.13e6, unit="USD", label="Turnover 2021")
    {'name': 'turnover_2021', 'value': 57130000.0, 'unit': 'USD', 'label': 'Turnover 2021'}
    """
    if not isinstance(name, str) or not name.strip():
        raise ParameterError(f"record: name must be non-empty text, got {name!r}")
    payload = {
        "name": name,
        "value": _plain(value),
        "unit": unit,
        "label": label or name.replace("_", " "),
    }
    if _in_kernel():
        _display({"kind": "figure", **payload}, f"{payload['label']}: {format_figure(payload)}")
    return payload


def record_all(figures) -> list[dict]:
    """Record several key figures at once (see :func:`record`).

    Parameters
    ----------
    figures : iterable of dict
        Each with ``name`` and ``value``, and optionally ``unit`` and ``label``, as in the
        ``figures`` of :class:`kztrade.notebooks.Highlights`.

    Returns
    -------
    list of dict
        What was recorded.

    Examples
    --------
    >>> [f["value"] for f in record_all([{"name": "a", "value": 1}, {"name": "b", "value": 2.5,
    ...                                   "unit": "%"}])]
    [1, 2.5]
    """
    return [
        record(f["name"], f["value"], unit=f.get("unit"), label=f.get("label")) for f in figures
    ]


def record_sources(frame, *, name: str | None = None) -> dict:
    """Report which data a notebook used: dataset, sources, periods and vintages.

    Parameters
    ----------
    frame : DataFrame
        A tidy trade frame as loaded (or filtered) in the notebook; its ``attrs`` name the
        bundled dataset and file when it comes from :mod:`kztrade.datasets`.
    name : str, optional
        The dataset's name; defaults to ``frame.attrs["dataset"]``.

    Returns
    -------
    dict
        ``{"dataset", "file", "sources": {source: {"first", "last", "rows", "vintages"}}}``.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2020, 2021], "reporter": "KAZ", "partner": "MNG",
    ...                 "flow": "export", "commodity": "TOTAL", "value_usd": [1.0, 2.0],
    ...                 "source": "BNS"}, freq="Y")
    >>> record_sources(f, name="example")["sources"]
    {'BNS': {'first': '2020', 'last': '2021', 'rows': 2, 'vintages': []}}
    """
    dataset = name or frame.attrs.get("dataset") or "unnamed"
    sources = {}
    for source, part in frame.groupby("source", sort=True):
        vintages = []
        if "vintage" in part.columns:
            vintages = sorted({str(v) for v in part["vintage"].dropna()})
        sources[str(source)] = {
            "first": str(part["period"].min()),
            "last": str(part["period"].max()),
            "rows": len(part),
            "vintages": vintages,
        }
    file = frame.attrs.get("file")
    payload = {
        "dataset": dataset,
        "file": Path(file).name if file else None,
        "sources": sources,
    }
    if _in_kernel():
        listed = ", ".join(f"{s} {v['first']}–{v['last']}" for s, v in sources.items())
        _display({"kind": "data", **payload}, f"Data: {dataset} ({listed})")
    return payload


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def format_figure(figure: Mapping) -> str:
    """Format a recorded figure for people: USD in millions or billions, percentages.

    Examples
    --------
    >>> format_figure({"value": 57130000.0, "unit": "USD"})
    '57.13 M USD'
    >>> format_figure({"value": 94.87, "unit": "% change"})
    '+94.9%'
    >>> format_figure({"value": 54.51, "unit": "%"})
    '54.5%'
    >>> format_figure({"value": None, "unit": "USD"})
    'n/a'
    """
    value, unit = figure.get("value"), figure.get("unit")
    if value is None:
        return "n/a"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{value} {unit}".strip() if unit else str(value)
    if unit == "USD":
        for scale, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= scale:
                return f"{value / scale:,.2f} {suffix} USD"
        return f"{value:,.0f} USD"
    if unit == "%":
        return f"{value:,.1f}%"
    if unit == "% change":
        return f"{value:+,.1f}%"
    if unit == "pp":
        return f"{value:+,.1f} pp"
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.4g}"
    return f"{text} {unit}".strip() if unit else text


def read_records(notebook) -> dict:
    """Read back what a notebook recorded with :func:`record` and :func:`record_sources`.

    Parameters
    ----------
    notebook : str, Path or NotebookNode
        An executed notebook.

    Returns
    -------
    dict
        ``{"figures": {name: {"value", "unit", "label"}}, "data": [...]}``, in the order
        recorded.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("")
    >>> cell.outputs = [nbformat.v4.new_output("display_data", data={RECORD_MIME: {
    ...     "kind": "figure", "name": "x", "value": 1.5, "unit": None, "label": "x"}})]
    >>> read_records(nbformat.v4.new_notebook(cells=[cell]))["figures"]
    {'x': {'value': 1.5, 'unit': None, 'label': 'x'}}
    """
    nb = _as_notebook(notebook)
    figures: dict[str, dict] = {}
    data: list[dict] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(RECORD_MIME)
            if not isinstance(payload, Mapping):
                continue
            payload = dict(payload)
            kind = payload.pop("kind", "figure")
            if kind == "data":
                data.append(payload)
            else:
                name = payload.pop("name")
                figures.pop(name, None)
                figures[name] = payload
    return {"figures": figures, "data": data}


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------

_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}
<style type="text/css">
.kztrade-header { font-family: var(--jp-ui-font-family, sans-serif); max-width: 1100px;
  margin: 1em auto 0 auto; padding: 0.6em 1em; border-bottom: 1px solid #ccc;
  color: #444; font-size: 0.85em; }
.kztrade-header .failed { color: #b00020; font-weight: bold; }
.kztrade-header code { font-size: 0.95em; }
main { max-width: 1100px; margin: 0 auto; }
/* what pandas puts in each table's own <style>, which outputs no longer carry */
.dataframe tbody tr th:only-of-type { vertical-align: middle; }
.dataframe tbody tr th { vertical-align: top; }
.dataframe thead th { text-align: right; }
</style>
{% endblock extra_css %}
{%- block body_header -%}
{{ super() }}
{{ resources.kztrade_header }}
{%- endblock body_header -%}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
alt="{{ ((output | get_metadata('alt', 'image/png')) or 'Chart') | escape_html }}"
{%- set width=output | get_metadata('width', 'image/png') -%}
{%- if width is not none %} width="{{ width | int }}"{%- endif %}
{%- set height=output | get_metadata('height', 'image/png') -%}
{%- if height is not none %} height="{{ height | int }}"{%- endif %}
>
</div>
{%- endblock data_png %}
"""


def _exporter(with_code: bool):
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"kztrade.html.j2": _TEMPLATE})],
        template_file="kztrade.html.j2",
        exclude_input=not with_code,
        exclude_input_prompt=not with_code,
        exclude_output_prompt=True,
        embed_images=True,
    )
    return exporter


_EXPORTERS: dict[bool, object] = {}


def _as_notebook(notebook):
    import nbformat

    if isinstance(notebook, (str, os.PathLike)):
        return nbformat.read(os.fspath(notebook), as_version=4)
    return notebook


def _header_html(header: Mapping | None) -> str:
    if not header:
        return ""
    rows = []
    for key, value in header.items():
        if value is None or value == "" or value == {}:
            continue
        if isinstance(value, Mapping):
            value = ", ".join(f"{k} = {v!r}" for k, v in value.items())
            cell = f"<code>{html.escape(value)}</code>"
        else:
            cell = html.escape(str(value))
            if key.lower() == "status" and value != "ok":
                cell = f'<span class="failed">{cell}</span>'
        rows.append(f"<div><b>{html.escape(str(key))}:</b> {cell}</div>")
    return '<header class="kztrade-header">' + "".join(rows) + "</header>"


# Outputs carry data (country and commodity names, statement text) into the page. pandas
# escapes a DataFrame's HTML, and kztrade's display helpers escape theirs, but a Styler,
# an HTML or Markdown display of a string, or a library that builds HTML by hand need
# not: so every output's HTML is rebuilt from an allowlist of harmless elements,
# attributes and CSS, its tags balanced within the output, and Markdown outputs are
# rendered with their raw HTML shown as text. Markdown cells are the notebook's own text;
# they are left as written.
_SAFE_TAGS = frozenset(
    "a abbr b blockquote br caption code col colgroup dd del div dl dt em h1 h2 h3 h4 h5 h6 "
    "hr i img ins kbd li ol p pre q s samp small span strong style sub sup table tbody td "
    "tfoot th thead tr tt u ul".split()
)
_SAFE_ATTRIBUTES = frozenset(
    "align alt border class colspan height rowspan scope title valign width".split()
)
_VOID_TAGS = frozenset({"br", "col", "hr", "img"})
_UNSAFE_MIME = ("application/javascript", "text/javascript", "application/x-javascript")
# ids that pandas' Styler gives its table and cells (``T_<uuid>`` and ``T_<uuid>_row0_col1``);
# any other id could take the name of one of the page's own anchors, so it is dropped
_STYLER_ID = re.compile(r"T_[A-Za-z0-9_-]+")
# CSS that can colour, align and border a table, and nothing that can fetch (url(),
# image-set()), write text (content), move boxes over the page (position) or run code
_SAFE_PROPERTIES = frozenset(
    "color background-color font-weight font-style text-align vertical-align white-space "
    "width min-width max-width border border-collapse border-spacing border-color "
    "border-style border-width border-top border-right border-bottom border-left "
    "border-top-color border-right-color border-bottom-color border-left-color "
    "border-top-style border-right-style border-bottom-style border-left-style "
    "border-top-width border-right-width border-bottom-width border-left-width "
    "padding padding-top padding-right padding-bottom padding-left".split()
)
# words, numbers, units, #colours and rgb()/hsl() colours: no quotes, backslashes, url()
_CSS_VALUE = re.compile(r"(?:[\w\s#.,%+-]|(?:rgba?|hsla?)\([\w\s.,%/+-]*\))*")
_CSS_TOKEN = re.compile(
    r"#T_[A-Za-z0-9_-]+|\.[A-Za-z_][\w-]*|[a-z][a-z0-9]*|\s*>\s*|\s+"
    r"|:(?:hover|first-child|last-child|nth-child\(\d*n?(?:[+-]\d+)?\))|."
)


def _safe_url(tag: str, name: str, value: str) -> bool:
    text = re.sub(r"[\x00-\x20]+", "", value).lower()
    if tag == "img" and name == "src":
        return text.startswith("data:image/") and not text.startswith("data:image/svg")
    if tag == "a" and name == "href":
        return text.startswith("#")
    return False


def _external_link(tag: str, name: str, value: str) -> bool:
    text = re.sub(r"[\x00-\x20]+", "", value).lower()
    return tag == "a" and name == "href" and text.startswith(("https:", "http:", "mailto:"))


def _inert_declarations(text: str) -> str:
    """Only the declarations of :data:`_SAFE_PROPERTIES` whose values are plain.

    Examples
    --------
    >>> _inert_declarations("text-align: right; position: fixed; color: rgb(1, 2, 3)")
    'text-align: right; color: rgb(1, 2, 3);'
    >>> _inert_declarations('background-color: red; background: url(x); content: "9.77"')
    'background-color: red;'
    """
    kept = []
    for declaration in text.split(";"):
        name, colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        if colon and value and name in _SAFE_PROPERTIES and _CSS_VALUE.fullmatch(value):
            kept.append(f"{name}: {value}")
    return "; ".join(kept) + ";" if kept else ""


def _scoped_selector(selector: str, ids: frozenset) -> bool:
    """True if the selector starts at, and names only, Styler ids of this same output."""
    tokens = _CSS_TOKEN.findall(selector.strip())
    if not tokens or not tokens[0].startswith("#T_"):
        return False
    for token in tokens:
        if token.startswith("#"):
            if token[1:] not in ids:
                return False
        elif len(token) == 1 and not token.isalnum() and not token.isspace():
            return False  # '*', '~', '+', '::', quotes, braces, backslashes, '@'
    return True


def _inert_css(text: str, ids: frozenset = frozenset()) -> str:
    """A style sheet cut down to rules that style this output's own Styler tables.

    A rule is kept only if each of its selectors starts at a Styler id (``#T_…``) that an
    element of the same output carries, and only its :func:`_inert_declarations`; @-rules,
    comments and anything else are dropped, so the sheet cannot restyle the rest of the
    page, write text into it or fetch anything.

    Examples
    --------
    >>> ids = frozenset({"T_1", "T_1_row0_col0"})
    >>> _inert_css("#T_1_row0_col0 { color: red; }  td::after { content: 'x' }", ids)
    '#T_1_row0_col0 { color: red; }'
    >>> _inert_css("* { display: none } @import 'x.css'; #T_2 td { color: red }", ids)
    ''
    """
    text = re.sub(r"/\*.*?(\*/|$)", " ", text, flags=re.S)
    rules = []
    for selectors, body in re.findall(r"([^{}]*)\{([^{}]*)\}", text):
        if "@" in selectors or "\\" in selectors:
            continue
        selectors = [s.strip() for s in selectors.split(",")]
        declarations = _inert_declarations(body)
        if declarations and all(_scoped_selector(s, ids) for s in selectors):
            rules.append(f"{', '.join(selectors)} {{ {declarations} }}")
    return "\n".join(rules)


class _InertHTML:
    """Rebuild HTML from :data:`_SAFE_TAGS`; anything else is kept as visible text.

    Tags are balanced: an end tag closes the elements opened since its start tag, an end
    tag with no open start tag shows as text, and whatever is still open at the end is
    closed, so that an output can neither hide the outputs after it nor close the page's
    own elements.
    """

    def __init__(self, ids: frozenset = frozenset()) -> None:
        from html.parser import HTMLParser

        sink = self

        class Parser(HTMLParser):
            def handle_starttag(self, tag, attrs):
                sink.start(tag, attrs, self.get_starttag_text(), closed=False)

            def handle_startendtag(self, tag, attrs):
                sink.start(tag, attrs, self.get_starttag_text(), closed=True)

            def handle_endtag(self, tag):
                sink.end(tag)

            def handle_data(self, data):
                sink.data(data)

            def handle_entityref(self, name):
                sink.text(f"&{name};")

            def handle_charref(self, name):
                sink.text(f"&#{name};")

            def unknown_decl(self, data):
                sink.data(data)

        self.parser = Parser(convert_charrefs=False)
        self.parts: list[str] = []
        self.ids = ids
        # open elements: (tag, address to show after its end tag, where its content starts)
        self.open: list[tuple[str, str, int]] = []
        self.style: list[str] | None = None  # the text of an open <style>, with its tag

    def text(self, escaped: str) -> None:
        if self.style is not None:
            self.style.append(escaped)
        else:
            self.parts.append(escaped)

    def start(self, tag, attrs, raw, *, closed):
        raw = raw or f"<{tag}>"
        if tag not in _SAFE_TAGS or self.style is not None:
            self.text(html.escape(raw))
            return
        kept, after = [], ""
        for name, value in attrs:
            value = "" if value is None else value
            if name == "style":
                declarations = _inert_declarations(value)
                if declarations:
                    kept.append(f' style="{html.escape(declarations)}"')
            elif name == "id":
                if _STYLER_ID.fullmatch(value):
                    kept.append(f' id="{html.escape(value)}"')
            elif name in _SAFE_ATTRIBUTES or _safe_url(tag, name, value):
                kept.append(f' {name}="{html.escape(value)}"')
            elif _external_link(tag, name, value):
                after = value.strip()  # the address, shown as text after the link's text
            elif name.startswith("on") or name in ("src", "href", "srcset", "action"):
                # a handler or a link that is not allowed: the data meant it, so show it
                self.text(html.escape(raw))
                return
        if tag == "style":
            if not closed:
                self.style = [raw]
            return
        if tag in _VOID_TAGS:
            self.parts.append(f"<{tag}{''.join(kept)}/>" if closed else f"<{tag}{''.join(kept)}>")
            return
        self.parts.append(f"<{tag}{''.join(kept)}>")
        self.open.append((tag, after, len(self.parts)))
        if closed:  # <td/> is a start tag in HTML: closed here so that it holds nothing
            self._close()

    def end(self, tag):
        if self.style is not None:
            if tag != "style":
                self.style.append(html.escape(f"</{tag}>"))
                return
            sheet = _inert_css(html.unescape("".join(self.style[1:])), self.ids)
            if sheet:
                self.parts.append(f"<style>\n{sheet}\n</style>")
            self.style = None
            return
        if tag in _SAFE_TAGS and any(name == tag for name, _, _ in self.open):
            while self._close() != tag:
                pass
        elif tag not in _VOID_TAGS:  # an end tag with nothing to close shows as text
            self.parts.append(html.escape(f"</{tag}>"))

    def data(self, text):
        if self.style is not None:
            self.style.append(html.escape(text, quote=False))
        else:
            self.parts.append(html.escape(text, quote=False))

    def feed(self, text: str) -> str:
        self.parser.feed(text)
        self.parser.close()
        if self.parser.rawdata:  # an unfinished tag at the end: shown as text
            self.text(html.escape(self.parser.rawdata))
        if self.style is not None:  # a <style> never closed was text, not a sheet
            self.parts.append(html.escape(self.style[0]) + "".join(self.style[1:]))
            self.style = None
        while self.open:
            self._close()
        return "".join(self.parts)

    def _close(self) -> str:
        """Close the innermost open element, and name it.

        A link out of the page shows its address after it, unless its text already is it.
        """
        name, address, begin = self.open.pop()
        self.parts.append(f"</{name}>")
        if address and html.unescape("".join(self.parts[begin:-1])).strip() != address:
            self.parts.append(f" ({html.escape(address)})")
        return name


def inert_html(text: str) -> str:
    """Make HTML from data safe to show: harmless elements kept, anything else as text.

    Tables, headings, lists, text styles and embedded (``data:``) images are kept, with
    their tags balanced within ``text``; scripts, event handlers (``onerror=``), frames,
    forms, external images and ``javascript:`` links are shown as text or dropped. A link
    that leaves the page loses its link and shows its address as text; ids are kept only
    in pandas Styler's form (``T_…``); CSS, in ``style=`` and in ``<style>``, keeps only
    colours, alignment, borders, padding and widths, and a ``<style>`` only rules scoped to
    this output's own Styler tables.

    Examples
    --------
    >>> inert_html("<td>27 Mineral fuels</td><script>alert(1)</script>")
    '<td>27 Mineral fuels</td>&lt;script&gt;alert(1)&lt;/script&gt;'
    >>> inert_html('<img src=x onerror=alert(1)><b class="x">ok</b>')
    '&lt;img src=x onerror=alert(1)&gt;<b class="x">ok</b>'
    >>> inert_html("<table><tr><td>Kazakhstan</div></div><h1>withdrawn")
    '<table><tr><td>Kazakhstan&lt;/div&gt;&lt;/div&gt;<h1>withdrawn</h1></td></tr></table>'
    >>> inert_html('<a href="https://example.org/x">source</a>')
    '<a>source</a> (https://example.org/x)'
    """
    if "<" not in text:
        return text
    ids = frozenset(
        html.unescape(m) for m in re.findall(r"""\bid\s*=\s*["']?(T_[A-Za-z0-9_-]+)""", text)
    )
    return _InertHTML(ids).feed(text)


_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)


def _inert_markdown(text: str) -> str:
    r"""Markdown whose raw HTML shows as text (code spans, which show it anyway, kept).

    Examples
    --------
    >>> _inert_markdown("**Exports** of <img src=x onerror=alert(1)> and `a<b`")
    '**Exports** of &lt;img src=x onerror=alert(1)&gt; and `a<b`'
    """
    parts, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        parts.append(text[last : match.start()].replace("<", "&lt;").replace(">", "&gt;"))
        parts.append(match.group(0))
        last = match.end()
    parts.append(text[last:].replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(parts)


def _heading(markdown: str) -> str | None:
    """The text of the first Markdown heading in ``markdown``, without its marks."""
    for line in markdown.splitlines():
        match = re.match(r"\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match and match.group(1):
            return re.sub(r"[*_`]", "", match.group(1))
    return None


def _inert_output(output, *, alt: str = "Chart"):
    """A copy of a cell output whose HTML and Markdown cannot run or load anything."""
    data = output.get("data")
    if not data:
        return output
    data = {k: v for k, v in data.items() if k not in _UNSAFE_MIME}
    if "text/html" in data:
        value = data["text/html"]
        data["text/html"] = inert_html("".join(value) if isinstance(value, list) else value)
    if "text/markdown" in data:
        from nbconvert.filters import markdown2html

        value = data.pop("text/markdown")
        text = _inert_markdown("".join(value) if isinstance(value, list) else value)
        # rendered here, so that its links and images pass the same allowlist
        data.setdefault("text/html", inert_html(markdown2html(text)))
    if "image/svg+xml" in data:
        value = data.pop("image/svg+xml")
        if not any(k.startswith("image/png") for k in data):
            # an SVG inlined in the page could hold scripts and fetch; as an image it can't
            import base64

            svg = ("".join(value) if isinstance(value, list) else value).encode("utf-8")
            uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
            data.setdefault("text/html", f'<img src="{uri}" alt="{html.escape(alt)}"/>')
    if not data:
        data = {"text/plain": ""}
    output = copy.copy(output)
    output["data"] = data
    if "image/png" in data:  # a description for readers who cannot see the chart
        metadata = dict(output.get("metadata", {}))
        png = dict(metadata.get("image/png", {}))
        png.setdefault("alt", alt)
        metadata["image/png"] = png
        output["metadata"] = metadata
    return output


def render_html(
    notebook,
    *,
    with_code: bool = False,
    title: str | None = None,
    header: Mapping | None = None,
) -> str:
    """Render an executed notebook as one self-contained HTML page.

    Images are embedded as ``data:`` URIs; no script or style is loaded from elsewhere;
    outputs of :func:`record` are left out; code is hidden unless asked for. Markup that
    outputs carry (in country and commodity names, a statement) can neither run, load
    anything nor reach outside its output: HTML outputs keep only harmless elements,
    attributes and CSS, balanced within the output (:func:`inert_html`), raw HTML in
    Markdown outputs is escaped, SVG-only images are embedded as images, and JavaScript
    outputs are dropped.

    Parameters
    ----------
    notebook : str, Path or NotebookNode
        The executed notebook (not modified).
    with_code : bool, default False
        Show code cells' source too.
    title : str, optional
        The page title; defaults to the notebook's file name.
    header : mapping, optional
        Lines shown above the notebook, e.g. ``{"Parameters": {...}, "Generated": ...}``.

    Returns
    -------
    str
        The HTML document.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Hello")])
    >>> page = render_html(nb, title="Example")
    >>> "<title>Example</title>" in page and "<script src=" not in page
    True
    """
    nb = copy.deepcopy(_as_notebook(notebook))
    section = title or "the report"
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            section = _heading(cell.source) or section
        if "outputs" in cell:
            outputs = []
            for output in cell.outputs:
                data = output.get("data", {})
                if RECORD_MIME in data:
                    continue
                if "text/markdown" in data:  # a heading a cell printed names what follows
                    section = _heading("".join(data["text/markdown"])) or section
                outputs.append(_inert_output(output, alt=f"Chart: {section}"))
            cell.outputs = outputs
    if with_code not in _EXPORTERS:
        _EXPORTERS[with_code] = _exporter(with_code)
    resources = {
        "metadata": {"name": title or "kztrade report"},
        "kztrade_header": _header_html(header),
    }
    body, _ = _EXPORTERS[with_code].from_notebook_node(nb, resources=resources)
    return body


# --------------------------------------------------------------------------------------
# Files: atomic writes, the folder lock, staging folders
# --------------------------------------------------------------------------------------


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write a file so that readers see either the old or the new content, never half.

    The data goes to a temporary file in the same folder, which then replaces ``path``
    with :func:`os.replace`.

    Parameters
    ----------
    path : str or path-like
        The file to write; its folder must exist.
    data : str or bytes
        The content (text is written as UTF-8).

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write(target, "hello").read_text()
    'hello'
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


@contextlib.contextmanager
def _locked(path: Path, *, blocking: bool = True):
    """Hold an exclusive lock on ``path``; yield False if not blocking and it is taken."""
    handle = open(path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
    try:
        if fcntl is not None:
            flags = fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB)
            try:
                fcntl.flock(handle.fileno(), flags)
            except BlockingIOError:
                yield False
                return
        yield True
    finally:
        handle.close()  # closing releases the lock


@contextlib.contextmanager
def _staging_locked(staging: Path):
    """Hold a new staging folder's lock from the moment its lock file has its name.

    The file is made and locked under another name, then renamed: another run cleaning up
    abandoned folders (:func:`_clean_abandoned`) sees either no lock file (a new folder,
    left alone) or a locked one, never an unlocked file it would take for a dead run's.
    """
    fresh = staging / f"{_LOCK_NAME}.new"
    with _locked(fresh) as held:
        os.replace(fresh, staging / _LOCK_NAME)
        yield held


def _clean_abandoned(out: Path) -> None:
    """Remove staging folders whose run has ended without cleaning up (a crash, a kill)."""
    for folder in out.glob(f"{_STAGING_PREFIX}*"):
        lock = folder / _LOCK_NAME
        if not lock.exists():
            if time.time() - folder.stat().st_mtime > 86400:
                shutil.rmtree(folder, ignore_errors=True)
            continue
        with _locked(lock, blocking=False) as free:
            if free:
                shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------------------
# Running notebooks
# --------------------------------------------------------------------------------------


@dataclass
class Job:
    """One notebook to run with one set of parameters.

    Attributes
    ----------
    notebook : str
        Path of the notebook file.
    name : str
        Stem of the output files, e.g. ``"trade_overview_MNG"``.
    parameters : dict
        The values injected into the notebook (checked against its declaration).
    resolved : dict
        Every parameter's value in this run: the defaults overlaid with ``parameters``.
    title : str
        A human title, e.g. ``"Trade overview — MNG"``.
    """

    notebook: str
    name: str
    parameters: dict
    resolved: dict
    title: str


@dataclass
class Result:
    """How one :class:`Job` went.

    Attributes
    ----------
    job : Job
        What was run.
    status : str
        ``"ok"`` or ``"failed"``.
    error : dict or None
        For a failure: ``ename``, ``evalue``, and where the notebook stopped (``cell``, the
        cell's position in the executed notebook; ``execution_count``; ``line``, the line
        where the error arose), when known.
    figures, data : dict, list
        What the notebook recorded (:func:`read_records`).
    seconds : dict
        ``{"execute": ..., "render": ..., "started": ...}``: seconds, and the UTC start time.
    files : dict
        ``{"html": ..., "ipynb": ...}``, file names of the outputs (None if not written).
    """

    job: Job
    status: str
    error: dict | None = None
    figures: dict = field(default_factory=dict)
    data: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the notebook ran to the end."""
        return self.status == "ok"

    def describe_error(self) -> str:
        """One line that says what failed, and where."""
        if self.error is None:
            return ""
        err = self.error
        where = ""
        if err.get("execution_count") is not None:
            where = f" in cell In [{err['execution_count']}]"
            if err.get("line"):
                where += f" ({err['line']!r})"
        message = f"{err.get('ename', 'Error')}: {err.get('evalue', '')}".rstrip(": ")
        return f"{message}{where}"


@dataclass
class Report:
    """A finished batch: where it is and how each notebook went.

    Attributes
    ----------
    out : Path
        The report folder.
    results : list of Result
        In the order the jobs were planned.
    seconds : float
        Wall-clock time of the whole batch.
    """

    out: Path
    results: list
    seconds: float

    @property
    def index(self) -> Path:
        """The ``index.html`` file."""
        return self.out / "index.html"

    @property
    def manifest(self) -> Path:
        """The ``manifest.json`` file."""
        return self.out / "manifest.json"

    @property
    def failed(self) -> list:
        """The results of notebooks that failed."""
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        """Whether every notebook ran to the end."""
        return not self.failed


def _title(notebook: Path) -> str:
    """The first Markdown heading of a notebook, else its file name in words."""
    nb = _as_notebook(notebook)
    if nb.metadata.get("title"):
        return str(nb.metadata["title"])
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return notebook.stem.replace("_", " ").capitalize()


def check_kernel(kernel: str = DEFAULT_KERNEL) -> list[str]:
    """Check that a Jupyter kernel exists, and warn if it runs another Python than this one.

    kztrade must be importable in the kernel. ipykernel's own kernel ``python3`` started
    from this Python uses this Python; a kernel of the same name installed for the user
    elsewhere may not.

    Returns
    -------
    list of str
        The kernel's command line (its ``argv``).

    Raises
    ------
    ParameterError
        If there is no kernel of that name; the message lists those there are.

    Examples
    --------
    >>> check_kernel("no-such-kernel")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: no Jupyter kernel named 'no-such-kernel'; ...
    """
    import warnings

    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        spec = manager.get_kernel_spec(kernel)
    except NoSuchKernel:
        names = ", ".join(sorted(manager.find_kernel_specs())) or "none"
        raise ParameterError(
            f"no Jupyter kernel named {kernel!r}; kernels installed: {names}; install one "
            f"for this Python with '{sys.executable} -m ipykernel install --sys-prefix' "
            "or pass --kernel NAME"
        ) from None
    exe = spec.argv[0] if spec.argv else ""
    aliases = {
        "python",
        f"python{sys.version_info[0]}",
        f"python{sys.version_info[0]}.{sys.version_info[1]}",
    }
    same = exe in aliases
    if not same and os.path.exists(exe):
        with contextlib.suppress(OSError):
            same = os.path.samefile(exe, sys.executable)
    if not same:
        warnings.warn(
            f"kernel {kernel!r} runs {exe}, not this Python ({sys.executable}); kztrade "
            "must be installed there, or install a kernel for this Python with "
            f"'{sys.executable} -m ipykernel install --sys-prefix --name kztrade' and "
            "pass --kernel kztrade",
            stacklevel=2,
        )
    return list(spec.argv)


def _is_ipykernel(argv: Sequence[str]) -> bool:
    return any("ipykernel" in part for part in argv)


def _kernel_config():
    """Encrypt the traffic with the kernel (CurveZMQ) where the kernel and pyzmq can."""
    import zmq
    from traitlets.config import Config

    config = Config()
    if zmq.has("curve"):
        config.KernelManager.transport_encryption = "auto"
    return config


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_ARROW = re.compile(r"^\s*-+>\s*(\d+)\s?(.*)$")


def _failing_line(traceback: Sequence[str] | None, source: str | None) -> str | None:
    r"""The line of the cell where the error arose, as IPython's traceback marks it.

    Examples
    --------
    >>> _failing_line(["Cell In[3], line 2", "      1 x = 1\n----> 2 y = 1 / 0\n"], "")
    'y = 1 / 0'
    >>> _failing_line([], "first line\nsecond")
    'first line'
    """
    for entry in traceback or []:
        for line in _ANSI.sub("", entry).splitlines():
            match = _ARROW.match(line)
            if match:
                return match.group(2).strip()
    lines = (source or "").strip().splitlines()
    return lines[0] if lines else None


def _failing_cell(nb, fallback):
    """The position of the cell that raised, in the executed notebook as written.

    papermill counts cells before it adds its two red marker cells (one at the top, one
    right before the failing cell), so its index is off; the cell with the error output
    is the one.

    Examples
    --------
    >>> import nbformat
    >>> ok, bad = nbformat.v4.new_code_cell("1"), nbformat.v4.new_code_cell("1 / 0")
    >>> bad.outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError")]
    >>> def marker():
    ...     return nbformat.v4.new_markdown_cell("An Exception was encountered")
    >>> _failing_cell(nbformat.v4.new_notebook(cells=[marker(), ok, marker(), bad]), 1)
    3
    """
    for i, cell in enumerate(nb.cells):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return i
    return fallback


def _execute(job: Job, staging: str, options: dict) -> Result:
    """Run one job into ``staging``: the executed notebook and its HTML. Never raises."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    staging_dir = Path(staging)
    ipynb = staging_dir / f"{job.name}.ipynb"
    html_file = staging_dir / f"{job.name}.html"
    error = None
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(
            job.notebook,
            str(ipynb),
            parameters=job.parameters,
            kernel_name=options["kernel"],
            cwd=str(staging_dir),
            progress_bar=options.get("cell_progress", False),
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=options.get("timeout"),
            config=_kernel_config(),
            # ipykernel logs to the terminal (e.g. the interrupt jupyter_client sends every
            # kernel when it shuts it down); cell errors reach the notebook all the same
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"]
            if options.get("quiet_kernel")
            else [],
        )
    except PapermillExecutionError as exc:
        error = {
            "ename": exc.ename,
            "evalue": exc.evalue,
            "cell": exc.cell_index,
            "execution_count": exc.exec_count,
            "line": _failing_line(exc.traceback, exc.source),
        }
    except Exception as exc:  # the kernel died, timed out or did not start
        error = {"ename": type(exc).__name__, "evalue": str(exc).strip().splitlines()[0:1]}
        error["evalue"] = error["evalue"][0] if error["evalue"] else ""
    execute_s = time.perf_counter() - t0
    status = "ok" if error is None else "failed"
    result = Result(job=job, status=status, error=error)
    t1 = time.perf_counter()
    if ipynb.exists():
        nb = _as_notebook(ipynb)
        if error is not None and "cell" in error:
            error["cell"] = _failing_cell(nb, error["cell"])
        records = read_records(nb)
        result.figures, result.data = records["figures"], records["data"]
        header = {
            "Report": job.title,
            "Parameters": job.resolved,
            "Status": "ok" if error is None else f"failed: {result.describe_error()}",
            "Generated": f"{started:%Y-%m-%d %H:%M} UTC by kztrade {_version('kztrade')} "
            f"from {Path(job.notebook).name}",
        }
        # a failed notebook is shown with its code, so that the failing cell can be seen
        page = render_html(
            nb, with_code=options["with_code"] or error is not None, title=job.title, header=header
        )
        html_file.write_text(page, encoding="utf-8")
        result.files = {"html": html_file.name, "ipynb": ipynb.name}
    else:
        result.files = {"html": None, "ipynb": None}
    result.seconds = {
        "execute": round(execute_s, 3),
        "render": round(time.perf_counter() - t1, 3),
        "started": started.isoformat(timespec="seconds"),
    }
    return result


def _checked(declared: Mapping, values: Mapping, *, notebook: str, from_text: bool) -> dict:
    """Convert and check parameter values, naming every problem of both kinds at once.

    Types are converted first (:func:`kztrade.notebooks.bind_parameters`); when some do not
    convert, the values that did are still checked (:func:`kztrade.params.check_values`), so
    that one run of the command lists a wrong type and a wrong code together.
    """
    try:
        given = bind_parameters(declared, values, notebook=notebook, from_text=from_text)
    except ParameterError as exc:
        typed: dict = {}
        for name, value in values.items():
            try:
                one = bind_parameters(
                    declared, {name: value}, notebook=notebook, from_text=from_text
                )
            except ParameterError:
                continue
            typed.update(one)
        try:
            check_values(declared, typed, notebook=notebook)
        except ParameterError as more:
            suffix = "; its parameters are: "
            head, _, known = str(exc).rpartition(suffix)
            extra = str(more).removeprefix(f"{notebook}: ").rpartition(suffix)[0]
            raise ParameterError(f"{head}; {extra}{suffix}{known}") from None
        raise
    return check_values(declared, given, notebook=notebook)


def _plan(
    notebooks: Sequence[str | Path],
    partners: Sequence[str] | None,
    parameters: Mapping[str, object],
    *,
    from_text: bool,
    partner_parameter: bool = False,
    fixed: Mapping[str, Mapping[str, object]] | None = None,
) -> list[Job]:
    """Plan the jobs: every notebook once per partner if it has a ``partner`` parameter.

    Notebooks named in ``fixed`` (by file stem) run once, with those parameters added.
    """
    if not notebooks:
        raise ParameterError("no notebooks to run; name at least one")
    declared_by = {}
    for notebook in notebooks:
        path = find_notebook(notebook)
        declared_by[path] = read_parameters(path)
    if len(declared_by) < len(notebooks):
        raise ParameterError("a notebook is named twice; name each notebook once")
    every = {name for declared in declared_by.values() for name in declared}
    if _PARTNER in parameters and not partner_parameter:
        raise ParameterError(
            "give partners with --partner (partners=...), not as a parameter 'partner'"
        )
    unknown = sorted(set(parameters) - every)
    if unknown and len(declared_by) > 1:  # for one notebook, bind_parameters says it all
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, sorted(every), n=1)
            hints.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
        raise ParameterError(
            f"no selected notebook has parameter(s) {', '.join(hints)}; their parameters "
            f"are: {', '.join(sorted(every)) or 'none'}"
        )
    if partners is not None:
        partners = list(dict.fromkeys(p.strip().upper() for p in partners if p.strip()))
        wrong = []
        for partner in partners:
            try:
                check_code(_PARTNER, partner, aggregate=True)
            except ParameterError as exc:
                wrong.append(str(exc).replace("parameter 'partner'", f"partner {partner!r}", 1))
        if wrong:
            raise ParameterError("; ".join(wrong))
        if not any(_PARTNER in d for d in declared_by.values()):
            raise ParameterError(
                "partners were given but none of the selected notebooks has a 'partner' "
                "parameter; leave out --partner or choose other notebooks"
            )
    fixed = dict(fixed or {})
    jobs = []
    for path, declared in declared_by.items():
        own = {k: v for k, v in parameters.items() if k in declared or len(declared_by) == 1}
        once = fixed.get(path.stem)
        runs: list[dict] = [{}]
        if once is not None:
            runs = [dict(once)]
        elif _PARTNER in declared and partners:
            runs = [{_PARTNER: p} for p in partners]
        for extra in runs:
            given = _checked(declared, {**own, **extra}, notebook=path.stem, from_text=from_text)
            injected_source(given, notebook=path.stem)
            resolved = {name: p.default for name, p in declared.items()} | given
            name, title = path.stem, _title(path)
            if _PARTNER in declared and once is None:
                code = str(resolved[_PARTNER])
                name = f"{name}_{code}"
                title = f"{title} — {country_name(code)}"
            jobs.append(Job(str(path), check_output_name(name), given, resolved, title))
    names = [j.name for j in jobs]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise ParameterError(f"two notebooks would write the same output {clash}; rename one")
    return jobs


def _with_statement(notebooks: list, partners, statement: str | None) -> tuple[list, dict]:
    """Add the statement check, run once, to a batch when a statement is given.

    Examples
    --------
    >>> _with_statement(["trade_overview"], ["mng"], "Turnover reached 60.9 million USD")
    (['trade_overview', 'statement_check'], {'statement_check': {'statement': \
'Turnover reached 60.9 million USD', 'partner': 'MNG'}})
    >>> _with_statement(["trade_overview"], ["MNG", "CHN"], "...")[1]["statement_check"]["partner"]
    ''
    """
    if statement is None:
        return notebooks, {}
    if not isinstance(statement, str) or not statement.strip():
        raise ParameterError("the statement is empty; give the statement's text")
    if STATEMENT_NOTEBOOK not in [Path(str(n)).stem for n in notebooks]:
        notebooks = [*notebooks, STATEMENT_NOTEBOOK]
    one = list(dict.fromkeys(p.strip().upper() for p in partners or [] if p.strip()))
    # with one partner the statement is about it; with several, read it from the text
    partner = one[0] if len(one) == 1 else ""
    return notebooks, {STATEMENT_NOTEBOOK: {"statement": statement, _PARTNER: partner}}


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _data_files() -> list[dict]:
    """The bundled data files with their size and SHA-256, to tell data vintages apart."""
    try:
        from kztrade.datasets import data_dir
    except ImportError:  # pragma: no cover
        return []
    try:
        folder = data_dir()
    except KztradeError:
        return []
    files = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            files.append({"file": path.name, "bytes": path.stat().st_size, "sha256": digest})
    return files


def _merge_data(results: Iterable[Result]) -> list[dict]:
    merged: dict[tuple, dict] = {}
    for result in results:
        for item in result.data:
            key = (item.get("dataset"), item.get("file"))
            entry = merged.setdefault(
                key, {"dataset": key[0], "file": key[1], "sources": {}, "used_by": []}
            )
            for source, span in item.get("sources", {}).items():
                known = entry["sources"].get(source)
                if known is None:
                    entry["sources"][source] = dict(span)
                else:  # the widest span any notebook used
                    known["first"] = min(known["first"], span["first"])
                    known["last"] = max(known["last"], span["last"])
                    known["rows"] = max(known["rows"], span["rows"])
                    known["vintages"] = sorted(set(known["vintages"]) | set(span["vintages"]))
            if result.job.name not in entry["used_by"]:
                entry["used_by"].append(result.job.name)
    return list(merged.values())


def _manifest(report_results: list[Result], *, options: dict, started, seconds: float) -> dict:
    return {
        "kztrade_version": _version("kztrade"),
        "created": started.isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "status": "ok" if all(r.ok for r in report_results) else "failed",
        "command": options.get("command"),
        "options": {
            "with_code": options["with_code"],
            "jobs": options["jobs"],
            "kernel": options["kernel"],
            "timeout": options.get("timeout"),
        },
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {name: _version(name) for name in VERSIONED_PACKAGES},
        "data": {"used": _merge_data(report_results), "files": _data_files()},
        "runs": [
            {
                "name": r.job.name,
                "notebook": Path(r.job.notebook).name,
                "title": r.job.title,
                "parameters": r.job.resolved,
                "injected": r.job.parameters,
                "status": r.status,
                "error": r.error,
                "figures": r.figures,
                "data": r.data,
                "seconds": r.seconds,
                "files": r.files,
            }
            for r in report_results
        ],
    }


_INDEX_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin-top: 1em; }
th, td { text-align: left; vertical-align: top; padding: 0.45em 0.6em;
  border-bottom: 1px solid #ddd; }
th { background: #f4f4f4; }
td.ok { color: #1b5e20; } td.failed { color: #b00020; font-weight: bold; }
td.figures { font-size: 0.92em; } .err { color: #b00020; font-size: 0.9em; }
footer { margin-top: 2em; color: #666; font-size: 0.85em; }
"""


def _index_html(manifest: Mapping) -> str:
    esc = html.escape
    runs = manifest["runs"]
    n_failed = sum(r["status"] != "ok" for r in runs)
    rows = []
    for run in runs:
        files = run["files"]
        title = esc(run["title"])
        if files.get("html"):
            title = f'<a href="{esc(files["html"])}">{title}</a>'
        figures = "<br>".join(
            f"{esc(str(f.get('label') or name))}: {esc(format_figure(f))}"
            for name, f in run["figures"].items()
        )
        status = esc(run["status"])
        if run["error"]:
            result = Result(job=None, status=run["status"], error=run["error"])
            figures = f'<span class="err">{esc(result.describe_error())}</span>' + (
                f"<br>{figures}" if figures else ""
            )
        links = " · ".join(
            f'<a href="{esc(files[kind])}">{label}</a>'
            for kind, label in (("html", "HTML"), ("ipynb", "notebook"))
            if files.get(kind)
        )
        partner = esc(str(run["parameters"].get(_PARTNER, "—")))
        seconds = run["seconds"].get("execute", 0) + run["seconds"].get("render", 0)
        rows.append(
            f"<tr><td>{title}</td><td>{partner}</td><td class='{status}'>{status}</td>"
            f"<td class='figures'>{figures}</td><td>{seconds:.1f} s</td><td>{links}</td></tr>"
        )
    sources = []
    for item in manifest["data"]["used"]:
        spans = ", ".join(
            f"{esc(s)} {esc(v['first'])}–{esc(v['last'])}" for s, v in item["sources"].items()
        )
        sources.append(
            f"<li><b>{esc(str(item['dataset']))}</b> ({esc(str(item['file']))}): {spans}</li>"
        )
    summary = f"{len(runs)} notebook(s), " + (
        f"{n_failed} failed" if n_failed else "all ran to the end"
    )
    version_text = esc(str(manifest["kztrade_version"]))
    created = dt.datetime.fromisoformat(manifest["created"]).strftime("%Y-%m-%d %H:%M UTC")
    data_block = f"<h2>Data</h2><ul>{''.join(sources)}</ul>" if sources else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>kztrade reports</title><style>{_INDEX_CSS}</style></head>
<body>
<h1>Kazakhstan's foreign trade: reports</h1>
<p class="meta">Generated {esc(created)} by kztrade {version_text}
in {manifest["seconds"]:.1f} s; {esc(summary)}.</p>
<table>
<tr><th>Report</th><th>Partner</th><th>Status</th><th>Key figures</th><th>Run time</th>
<th>Files</th></tr>
{"".join(rows)}
</table>
{data_block}
<footer>Each report is a self-contained HTML file that can be forwarded as it is;
the executed notebooks and <a href="manifest.json">manifest.json</a> record parameters,
versions and data for reproduction.</footer>
</body>
</html>
"""


def _publish(staging: Path, out: Path, results: list[Result], manifest: dict) -> None:
    """Swap a finished run's files into ``out``, under the folder's lock."""
    produced = [f for r in results for f in r.files.values() if f]
    atomic_write(staging / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    atomic_write(staging / "index.html", _index_html(manifest))
    with _locked(out / _LOCK_NAME):
        previous: set[str] = set()
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            old = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            previous = {f for run in old["runs"] for f in run["files"].values() if f}
        for name in produced:
            os.replace(staging / name, out / name)
        # the index and manifest go last, so that they never point to files not there yet
        os.replace(staging / "manifest.json", out / "manifest.json")
        os.replace(staging / "index.html", out / "index.html")
        for stale in previous - set(produced):
            if Path(stale).name == stale:  # only plain file names kztrade wrote
                with contextlib.suppress(OSError):
                    (out / stale).unlink()


#: Environment variables that cap the threads of numpy's linear-algebra libraries.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: Arrow reads its allocator from this variable when it starts (``system``, ``mimalloc``).
ARROW_POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"


#: The matplotlib backend that puts charts into a notebook's outputs. Any other, such as
#: ``MPLBACKEND=Agg`` set for a headless shell, would leave a report without its charts.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


@contextlib.contextmanager
def _kernel_environment():
    """Start kernels with one linear-algebra thread each and charts drawn into the outputs.

    Notebooks already run in parallel, one process each; and the models fitted in them
    work on small matrices, where threads only compete (statsmodels' state-space fits ran
    several times slower with them on a busy machine, see benchmarks/report_speed.py).
    Arrow allocates with the C library's ``malloc``, which :func:`kztrade.read_comtrade`
    hands freed memory back to between blocks (filtered bulk reads peaked at about half the
    memory, see docs/bulk.md). A value the user set is kept for both; the chart backend is
    always the inline one.
    """
    names = (*BLAS_THREAD_VARIABLES, ARROW_POOL_VARIABLE, "MPLBACKEND")
    saved = {name: os.environ.get(name) for name in names}
    defaults = {**dict.fromkeys(BLAS_THREAD_VARIABLES, "1"), ARROW_POOL_VARIABLE: "system"}
    for name, value in defaults.items():
        if saved[name] is None:
            os.environ[name] = value
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _pool_context():
    """How to start worker processes: by fork where that is safe, else a fork server.

    Fork shares the parent's imports (papermill and nbconvert take seconds to import), but
    forking a process that runs other threads can deadlock the child; a fork server imports
    them once and forks from a single-threaded process.
    """
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["kztrade.reports", "papermill", "nbconvert"])
        return context
    return multiprocessing.get_context("spawn")


class _Stopped(BaseException):
    """Raised in the main thread by SIGTERM or SIGHUP, so that a run cleans up first."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class _Stoppable:
    """Let SIGTERM and SIGHUP stop a run only after it has cleaned up.

    By default these signals end Python at once: no ``finally`` runs, worker processes and
    their kernels are left running, and the staging folder stays. Inside this context
    (in the main thread, where the signal's handler is still the default) the signal
    raises :class:`_Stopped` instead; the run stops its workers and removes its staging
    folder, and on the way out the signal is delivered again with its default action, so
    that the process ends as the sender meant (a scheduler sees "killed by SIGTERM").
    During :meth:`deferred` (publishing), the signal waits until the step is done, so that
    the folder never holds a half-published report.
    """

    def __init__(self) -> None:
        self.saved: dict[int, object] = {}
        self.pending: int | None = None
        self.depth = 0

    def _handle(self, signum, _frame) -> None:
        if self.depth:
            self.pending = signum
            return
        raise _Stopped(signum)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in _STOP_SIGNALS:
                if signal.getsignal(signum) is signal.SIG_DFL:
                    self.saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, kind, exc, _tb) -> bool:
        for signum, handler in self.saved.items():
            signal.signal(signum, handler)
        self.saved = {}
        if isinstance(exc, _Stopped):
            os.kill(os.getpid(), exc.signum)  # the default action: the process ends here
            raise SystemExit(128 + exc.signum)  # pragma: no cover - only if it was blocked
        return False

    @contextlib.contextmanager
    def deferred(self):
        """Hold the signal back until the block is done."""
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
        if not self.depth and self.pending is not None:
            signum, self.pending = self.pending, None
            raise _Stopped(signum)


def _worker_start() -> None:
    """Set up a worker process: default stop signals, and end when its parent ends.

    A worker forked from the runner would inherit the runner's handlers; and if the runner
    is killed (SIGKILL cannot be caught), Linux stops the worker too (PR_SET_PDEATHSIG),
    whose kernel then stops by itself (ipykernel watches its parent process).
    """
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent ended before the line above
            os._exit(1)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers now, with the notebooks they are running."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=10)
    pool.shutdown(wait=False, cancel_futures=True)


def _run_jobs(jobs: list[Job], staging: Path, options: dict, *, n_jobs: int, progress) -> list:
    results: list[Result | None] = [None] * len(jobs)
    disable = None if progress is None else not progress  # None: only on a terminal
    if n_jobs <= 1 or len(jobs) <= 1:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), unit="notebook", disable=disable, file=sys.stderr)
        for i, job in enumerate(jobs):
            bar.set_postfix_str(job.name)
            results[i] = _execute(job, str(staging), options)
            bar.update()
        bar.close()
        return results
    # the pool is started before the progress bar, so that no thread exists at fork time
    pool = ProcessPoolExecutor(
        max_workers=n_jobs, mp_context=_pool_context(), initializer=_worker_start
    )
    try:
        futures = {
            pool.submit(_execute, job, str(staging), options): i for i, job in enumerate(jobs)
        }
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), unit="notebook", disable=disable, file=sys.stderr)
        try:
            for future in as_completed(futures):
                i = futures[future]
                try:
                    results[i] = future.result()
                except Exception as exc:  # the worker process itself died (killed, memory)
                    error = {"ename": type(exc).__name__, "evalue": str(exc).strip()}
                    results[i] = Result(
                        job=jobs[i],
                        status="failed",
                        error=error,
                        files={"html": None, "ipynb": None},
                    )
                bar.set_postfix_str(jobs[i].name)
                bar.update()
        finally:
            bar.close()
    except BaseException:  # stopped (SIGTERM, Ctrl-C): the workers stop too
        _stop_workers(pool)
        raise
    pool.shutdown(wait=True)
    return results


@contextlib.contextmanager
def _staging(out: Path):
    """A locked staging folder inside ``out`` for one run, removed whatever happens.

    Yields the run's stop handler and the folder. Kernels started inside see
    :func:`_kernel_environment`; a stop signal that arrives while the folder is being made
    waits until its name is known, so that it is always cleaned up.
    """
    with _Stoppable() as stop:
        staging = None
        try:
            with stop.deferred():
                staging = Path(tempfile.mkdtemp(dir=out, prefix=_STAGING_PREFIX))
            with _staging_locked(staging), _kernel_environment():
                yield stop, staging
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)


def build_report(
    partners: Sequence[str] | None = None,
    *,
    notebooks: Sequence[str | Path] | None = None,
    out: str | os.PathLike = "reports",
    parameters: Mapping[str, object] | None = None,
    from_text: bool = False,
    with_code: bool = False,
    jobs: int | None = None,
    kernel: str = DEFAULT_KERNEL,
    timeout: float | None = None,
    progress: bool | None = None,
    command: str | None = None,
    statement: str | None = None,
) -> Report:
    """Run notebooks for each partner, render them, and publish the report folder.

    Parameters
    ----------
    partners : sequence of str, optional
        ISO3 partner codes. Each notebook with a ``partner`` parameter runs once per
        partner; notebooks without one run once. Default: each notebook's own default.
    notebooks : sequence of str or Path, optional
        Names of kztrade's notebooks or paths of notebook files; default
        :data:`DEFAULT_NOTEBOOKS`.
    out : str or path-like, default "reports"
        The report folder; created if needed. Its previous report is replaced.
    parameters : mapping, optional
        Other parameter values, given to every selected notebook that declares them.
    from_text : bool, default False
        True if ``parameters`` are command-line text to convert to each parameter's type.
    with_code : bool, default False
        Show code in the HTML files.
    jobs : int, optional
        Notebooks run at once, each in its own process; default: the number of CPUs, at
        most 4.
    kernel : str, default "python3"
        The Jupyter kernel to run the notebooks in.
    timeout : float, optional
        Seconds a cell may run before the notebook is stopped as failed.
    progress : bool, optional
        Show a progress bar; default: when the error stream is a terminal.
    command : str, optional
        The command line, for the manifest.
    statement : str, optional
        The text of an official statement on trade: adds the ``statement_check`` notebook,
        run once, with this ``statement``, and with ``partner`` set to the one partner
        given, or else left to be read from the text.

    Returns
    -------
    Report
        Where the index is and how each notebook went. A notebook that fails does not stop
        the others; check ``report.ok``.

    Raises
    ------
    ParameterError
        Before anything runs, for unknown notebooks, unknown parameters or values of the
        wrong type.

    Examples
    --------
    >>> build_report(notebooks=["no_such_notebook"])
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: no notebook 'no_such_notebook': ...
    """
    notebooks, fixed = _with_statement(
        list(DEFAULT_NOTEBOOKS if notebooks is None else notebooks), partners, statement
    )
    plan = _plan(notebooks, partners, dict(parameters or {}), from_text=from_text, fixed=fixed)
    argv = check_kernel(kernel)
    if jobs is not None and jobs < 1:
        raise ParameterError(f"jobs must be 1 or more, got {jobs}")
    n_jobs = min(jobs or min(4, os.cpu_count() or 1), len(plan))
    options = {
        "with_code": with_code,
        "kernel": kernel,
        "timeout": timeout,
        "jobs": n_jobs,
        "command": command,
        "quiet_kernel": _is_ipykernel(argv),
    }
    out = Path(out).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    _clean_abandoned(out)
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    with _staging(out) as (stop, staging):
        results = _run_jobs(plan, staging, options, n_jobs=n_jobs, progress=progress)
        seconds = time.perf_counter() - t0
        manifest = _manifest(results, options=options, started=started, seconds=seconds)
        with stop.deferred():
            _publish(staging, out, results, manifest)
    return Report(out=out, results=results, seconds=seconds)


def run_notebook(
    notebook: str | Path,
    *,
    parameters: Mapping[str, object] | None = None,
    out: str | os.PathLike = "reports",
    from_text: bool = False,
    with_code: bool = False,
    kernel: str = DEFAULT_KERNEL,
    timeout: float | None = None,
    progress: bool | None = None,
) -> Result:
    """Run one notebook with checked parameters; write its executed copy and HTML.

    Unlike :func:`build_report`, this leaves the folder's other files, index and manifest
    alone; the two files it writes replace their predecessors atomically.

    Parameters
    ----------
    notebook : str or Path
        A notebook name or path.
    parameters : mapping, optional
        Parameter values; unknown names and values of the wrong type are errors.
    out : str or path-like, default "reports"
        Folder for ``<name>.ipynb`` and ``<name>.html``.
    from_text : bool, default False
        True if ``parameters`` are command-line text to convert to each parameter's type.
    with_code : bool, default False
        Show code in the HTML file.
    kernel : str, default "python3"
        The Jupyter kernel.
    timeout : float, optional
        Seconds a cell may run.
    progress : bool, optional
        Show a cell-by-cell progress bar; default: when the error stream is a terminal.

    Returns
    -------
    Result
        With ``files`` relative to ``out``.

    Examples
    --------
    >>> run_notebook("no_such_notebook")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: no notebook 'no_such_notebook': ...
    """
    (job,) = _plan(
        [notebook], None, dict(parameters or {}), from_text=from_text, partner_parameter=True
    )
    argv = check_kernel(kernel)
    out = Path(out).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    _clean_abandoned(out)
    show = sys.stderr.isatty() if progress is None else progress
    options = {
        "with_code": with_code,
        "kernel": kernel,
        "timeout": timeout,
        "cell_progress": show,
        "quiet_kernel": _is_ipykernel(argv),
    }
    with _staging(out) as (stop, staging):
        result = _execute(job, str(staging), options)
        with stop.deferred(), _locked(out / _LOCK_NAME):
            for name in result.files.values():
                if name:
                    os.replace(staging / name, out / name)
    return result


def result_dict(result: Result) -> dict:
    """A :class:`Result` as plain JSON-able values.

    Examples
    --------
    >>> job = Job("n.ipynb", "n", {}, {}, "N")
    >>> result_dict(Result(job=job, status="ok"))["status"]
    'ok'
    """
    return asdict(result)
