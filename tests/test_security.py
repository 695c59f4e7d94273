"""Parameters are checked before anything runs, no value becomes code, data shows as text,
and nothing reaches the network.

The notebook runs here are kept small: one notebook that records what it received, and
one batch that carries markup in data through the real statement-check notebook and
through the display helpers the notebooks use.
"""

import ast
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from kztrade import cli, params, reports
from kztrade.errors import ParameterError
from kztrade.notebooks import Parameter

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def write_notebook(path, parameters, *cells, title="Test notebook"):
    """A notebook file with a tagged parameters cell."""
    tagged = nbformat.v4.new_code_cell(parameters)
    tagged.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell(f"# {title}"), tagged]
        + [nbformat.v4.new_code_cell(c) for c in cells],
        metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
    )
    nbformat.write(nb, path)
    return path


def run_cli(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- codes, periods, output names ---------------------------------------------------------


@pytest.mark.parametrize("code", ["MNG", "KAZ", "CHN", "ATA", "XKX"])
def test_iso3_codes_of_countries_are_accepted(code):
    assert params.check_code("partner", code) == code


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("XXA", r"got 'XXA'; it is not in the ISO 3166 table; find a country's code"),
        ("mng", r"got 'mng'; did you mean 'MNG'\?"),
        ("MN", r"got 'MN'; give three capital letters such as 'MNG'"),
        ("../x", r"got '../x'; give three capital letters"),
        ("", r"got ''; give three capital letters"),
        (3, r"must be an ISO 3166 alpha-3 code such as 'MNG' \(text\), got 3 \(int\)"),
    ],
)
def test_codes_that_are_not_countries_are_refused_with_the_fix(value, message):
    with pytest.raises(ParameterError, match=r"^parameter 'partner' .*" + message):
        params.check_code("partner", value)


def test_the_world_aggregate_is_a_partner_but_never_a_reporter():
    assert params.check_code("partner", "WLD", aggregate=True) == "WLD"
    with pytest.raises(ParameterError, match="'reporter' is 'WLD', the world .* an aggregate"):
        params.check_code("reporter", "WLD")
    with pytest.raises(ParameterError, match="an aggregate, not a country"):
        params.check_code("partner", "WLD")  # where the caller does not allow aggregates


@pytest.mark.parametrize("good", ["2022", "2022-05", "2024-02-29", None, ""])
def test_periods_in_iso_form_are_accepted(good):
    assert params.check_period("statement_date", good) == good


@pytest.mark.parametrize("bad", ["05/2022", "2022-13", "2023-02-29", "22-05", "2022-5", 2022])
def test_periods_of_another_form_are_refused(bad):
    with pytest.raises(ParameterError, match="'statement_date' must be a period written YYYY"):
        params.check_period("statement_date", bad)


@pytest.mark.parametrize("bad", [15, 20150, True, "2015", 2015.0])
def test_years_must_be_four_digit_integers(bad):
    with pytest.raises(ParameterError, match="'first_year' must be a year from 1900 to 2100"):
        params.check_year("first_year", bad)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../escape", "path separator"),
        ("/etc/passwd", "path separator"),
        ("a\\b", "path separator"),
        ("a\x00b", "NUL character"),
        ("..", "empty or a folder reference"),
        ("", "empty or a folder reference"),
        (".hidden", "starting with a letter or digit"),
        ("a b", "use letters, digits"),
        ("CON", "Windows reserves"),
        ("nul.txt", "Windows reserves"),
        ("com1", "Windows reserves"),
        ("index", "uses this name for itself"),
        ("Manifest", "uses this name for itself"),
        ("x" * 151, "use letters, digits"),
    ],
)
def test_output_names_cannot_leave_the_output_folder(name, problem):
    with pytest.raises(ParameterError, match=f"would not be a plain file .*{problem}"):
        params.check_output_name(name)


def test_a_notebook_whose_name_is_reserved_is_refused_before_running(tmp_path):
    for stem in ("nul", "index", "LPT1"):
        nb = write_notebook(tmp_path / f"{stem}.ipynb", "year = 2020  # a year")
        with pytest.raises(ParameterError, match=f"output name '{stem}' would not"):
            reports._plan([nb], None, {}, from_text=False, partner_parameter=True)
    # with a partner the name gains '_MNG' and is fine
    nb = write_notebook(tmp_path / "con.ipynb", 'partner = "MNG"  # partner')
    (job,) = reports._plan([nb], None, {}, from_text=False, partner_parameter=True)
    assert job.name == "con_MNG"


# -- values never become code ------------------------------------------------------------

PAYLOADS = [
    "x'); import os; os.system('touch PWNED') #",
    'x"); import os; os.system("touch PWNED") #',
    '"""; import os; os.system("touch PWNED"); """',
    "line one\nimport os\nos.system('touch PWNED')\n",
    'back\\slash\\"; os.system("touch PWNED") #\\',
    "\r\n\t\x0b\x0c\x00 \u2028 \u2029 é 中 🙂",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_injected_cell_holds_each_value_as_a_literal_and_nothing_else(payload):
    source = params.injected_source({"label": payload, "labels": [payload, 1, None]})
    tree = ast.parse(source)
    assert [type(node) for node in tree.body] == [ast.Assign, ast.Assign]
    assert ast.literal_eval(tree.body[0].value) == payload
    assert ast.literal_eval(tree.body[1].value) == [payload, 1, None]


class Sneaky(str):
    def __str__(self):
        return '"; import os; os.system("touch PWNED"); "'


class Number(int):
    def __str__(self):
        return "1; import os"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Sneaky("x"), "must be text, a number, true/false, None, or a list or dict of them"),
        (Number(1), "must be text, a number, true/false, None, or a list or dict of them"),
        (object(), "got a object; convert it"),
        (float("inf"), "must be a finite number"),
        ({1: "a"}, "dict keys must be text"),
        ([("a", "b")], "got a tuple"),
    ],
)
def test_values_that_are_not_plain_literals_are_refused(value, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        params.injected_source({"label": value})


def test_parameter_names_must_be_python_names():
    with pytest.raises(ParameterError, match="is not a Python name"):
        params.injected_source({"x = 1\nimport os\ny": 1})


def test_check_values_names_each_problem_and_the_known_parameters():
    declared = {
        "reporter": Parameter("reporter", "str", "KAZ", "reporter, ISO3"),
        "partner": Parameter("partner", "str", "MNG", 'partner (ISO3); "" reads it from text'),
        "first_year": Parameter("first_year", "int", 2015, "first year"),
    }
    assert params.check_values(declared, {"partner": ""}, notebook="nb") == {"partner": ""}
    with pytest.raises(ParameterError) as info:
        params.check_values(
            declared, {"reporter": "", "first_year": 99, "partnr": "CHN"}, notebook="nb"
        )
    message = str(info.value)
    assert message.startswith("nb: parameter 'reporter' must be an ISO 3166 alpha-3 code")
    assert "parameter 'first_year' must be a year from 1900 to 2100 such as 2015, got 99" in message
    assert "unknown parameter 'partnr' (did you mean 'partner'?)" in message
    assert message.endswith("its parameters are: reporter, partner, first_year")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["report", "--partner", "MNG,XXA,mng2"],
            "partner 'XXA' must be an ISO 3166 alpha-3 code in capitals or 'WLD' for the world",
        ),
        (
            ["run", "trade_overview", "-p", "partner", PAYLOADS[0]],
            "trade_overview: parameter 'partner' must be an ISO 3166 alpha-3 code",
        ),
        (
            ["run", "trade_overview", "-p", "reporter", "WLD"],
            "parameter 'reporter' is 'WLD', the world (the reporter's total trade), which is an "
            "aggregate, not a country; give a country's code such as 'KAZ'",
        ),
        (
            ["run", "trade_overview", "-p", "first_year", "15"],
            "parameter 'first_year' must be a year from 1900 to 2100 such as 2015, got 15",
        ),
        (
            ["run", "statement_check", "-p", "statement_date", "05/2022"],
            "parameter 'statement_date' must be a period written YYYY, YYYY-MM or YYYY-MM-DD",
        ),
        (
            ["run", "trade_overview", "-p", "year", "2020"],
            "unknown parameter 'year' (did you mean 'last_year'?); its parameters are: "
            "reporter, partner, first_year, last_year, source, ytd_month, cif_fob",
        ),
    ],
)
def test_bad_parameters_exit_2_naming_the_parameter_before_anything_runs(
    argv, message, tmp_path, capsys
):
    out = tmp_path / "out"
    code, stdout, err = run_cli(capsys, *argv, "-o", out, "-q")
    assert code == cli.EXIT_USAGE
    assert message in err
    assert stdout == ""
    assert not out.exists() or list(out.iterdir()) == []  # no kernel started, nothing written
    assert not list(tmp_path.rglob("PWNED"))


@pytest.fixture(scope="module")
def echoed(tmp_path_factory):
    """One real run of a notebook that records the text parameters it received."""
    folder = tmp_path_factory.mktemp("echo")
    marker = folder / "PWNED"
    payloads = [p.replace("touch PWNED", f"touch {marker}") for p in PAYLOADS]
    nb = write_notebook(
        folder / "echo.ipynb",
        'label = "plain"  # a text shown in the report\n'
        'labels = ["a", "b"]  # more texts\n'
        'options = {"k": "v"}  # a mapping',
        "from kztrade.reports import record\n"
        "record('label', label)\n"
        "record('labels', labels)\n"
        "record('option', options['k'])",
    )
    result = reports.run_notebook(
        nb,
        parameters={"label": payloads[0], "labels": payloads[1:], "options": {"k": payloads[3]}},
        out=folder / "out",
        progress=False,
    )
    return {"result": result, "payloads": payloads, "folder": folder, "marker": marker}


def test_text_parameters_reach_the_notebook_as_text_and_run_nothing(echoed):
    result, payloads = echoed["result"], echoed["payloads"]
    assert result.ok, result.describe_error()
    assert result.figures["label"]["value"] == payloads[0]
    assert result.figures["labels"]["value"] == payloads[1:]
    assert result.figures["option"]["value"] == payloads[3]
    assert not echoed["marker"].exists()
    assert not list(echoed["folder"].rglob("PWNED"))
    nb = nbformat.read(echoed["folder"] / "out" / "echo.ipynb", as_version=4)
    (injected,) = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert all(isinstance(n, ast.Assign) for n in ast.parse(injected.source).body)


# -- data shows as text in the HTML ------------------------------------------------------

LIVE = [
    re.compile(r"<script\b[^>]*>\s*alert", re.I),
    re.compile(r"<[a-z][^>]*\son\w+\s*=", re.I),  # an element with an event handler
    re.compile(r"<img\b[^>]*\bsrc=[\"']?x\b", re.I),
]


def assert_inert(page, *, escaped):
    for pattern in LIVE:
        assert not pattern.search(page), pattern.search(page).group(0)
    for text in escaped:
        assert text in page, text


# data that would make the page fetch something, were it kept as markup
FETCHES = (
    '<style>td { background: image-set("https://evil.example/y.png" 1x) }'
    " @import url(//evil.example/a.css);</style>"
    '<p style="background-image: -webkit-image-set(url(https://evil.example/z.png) 1x)">p</p>'
    '<img src="//evil.example/i.png"><a href="https://evil.example/doc">the source</a>'
    "<object data=https://evil.example/o></object>"
)


@pytest.fixture(scope="module")
def markup(tmp_path_factory):
    """A batch where data carries markup: a statement and a source into the real
    statement-check notebook, and commodity and country names through the display
    helpers (tables, Markdown, a pandas Styler, a chart, recorded figures)."""
    folder = tmp_path_factory.mktemp("markup")
    helpers = write_notebook(
        folder / "helpers.ipynb",
        'name = "Mineral fuels"  # a commodity name from the data\n'
        'country = "Mongolia"  # a country name from the data',
        f"FETCHES = {FETCHES!r}\n"
        "import matplotlib.pyplot as plt\n"
        "from IPython.display import HTML, Markdown, display\n"
        "from kztrade import growth, notebooks, reports\n"
        "from kztrade.schema import make_frame\n"
        "frame = make_frame({'period': [2024, 2024, 2025, 2025], 'reporter': 'KAZ',\n"
        "    'partner': 'WLD', 'flow': 'export', 'commodity': ['27', '26'] * 2,\n"
        "    'commodity_name': [name, country] * 2,\n"
        "    'value_usd': [40e9, 10e9, 45e9, 9e9], 'source': 'BNS'}, freq='Y')\n"
        "top = growth.top_n(notebooks.select(frame, first=2025), n=1, of='commodity')\n"
        "reports.record('top', name, label=country)",
        "top",
        "top.style",
        "display(Markdown(f'The largest chapter is **{name}**, traded with {country}.'))",
        "display(HTML(f'<b>{name}</b> {country}'))",
        "display(HTML(country + FETCHES))",
        "fig, ax = plt.subplots()\n"
        "notebooks.plot_structure(top, ax=ax)\n"
        "notebooks.caption(ax, title=name, source=country);",
    )
    statement = (
        f"In 2021 the trade turnover between Kazakhstan and Mongolia {SCRIPT} reached "
        f"60.9 million US dollars {IMAGE}."
    )
    report = reports.build_report(
        ["MNG"],
        notebooks=[helpers],
        statement=statement,
        parameters={"statement_source": IMAGE, "name": SCRIPT, "country": IMAGE},
        out=folder / "out",
        jobs=2,
        progress=False,
    )
    return report


def test_markup_in_data_shows_as_text_in_every_page(markup):
    assert markup.ok, [r.describe_error() for r in markup.failed]
    pages = {r.job.name: (markup.out / r.files["html"]).read_text() for r in markup.results}
    escaped_script = "&lt;script&gt;alert(1)&lt;/script&gt;"
    escaped_image = "&lt;img src=x onerror=alert(1)&gt;"
    # the real notebook: the statement's claims table shows the source as text
    assert_inert(pages["statement_check"], escaped=[escaped_image])
    page = pages["helpers"]
    assert_inert(page, escaped=[escaped_script, escaped_image])
    body = page[page.index("<main>") :]
    # DataFrame, Styler, Markdown and HTML outputs each show the name as text
    assert body.count(escaped_script) >= 4, body.count(escaped_script)
    assert re.search(r'<img [^>]*src="data:image/png;base64,', body)  # the chart is an image
    index = markup.index.read_text()
    assert_inert(index, escaped=[escaped_script, escaped_image])


def test_inert_html_keeps_tables_and_images_and_shows_the_rest_as_text():
    table = (
        '<table border="1" class="dataframe"><tr style="text-align: right;"><th>a</th></tr></table>'
    )
    assert reports.inert_html(table) == table
    png = '<img src="data:image/png;base64,AAAA" alt="chart"/>'
    assert reports.inert_html(png) == png
    assert reports.inert_html('<a href="javascript:alert(1)">x</a>') == (
        "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;"
    )
    assert reports.inert_html("<iframe src=//evil></iframe>") == (
        "&lt;iframe src=//evil&gt;&lt;/iframe&gt;"
    )
    css = "<style>td { background: url(https://evil/x.png) } @import 'x';</style>"
    assert "url(" not in reports.inert_html(css) and "@import" not in reports.inert_html(css)
    assert reports.inert_html("<svg onload=alert(1)>") == "&lt;svg onload=alert(1)&gt;"


def test_markdown_outputs_show_html_as_text_and_keep_no_script_links():
    cell = nbformat.v4.new_code_cell("")
    text = (
        f"**{SCRIPT}** [x](javascript:alert(1)) ![i](http://example.org/t.png) "
        "[source](https://example.org) `a<b`"
    )
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": text})]
    page = reports.render_html(nbformat.v4.new_notebook(cells=[cell]))
    body = page[page.index("<main>") :]
    assert "<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>" in body
    assert '&lt;a href="javascript:alert(1)"&gt;x' in body  # shown as text
    assert not re.search(r"<a [^>]*href=\"javascript", body)
    assert not re.search(r"<img [^>]*src=\"http", body)
    assert "<a>source</a> (https://example.org)" in body  # no live link out of the page
    assert "<code>a&lt;b</code>" in body


def test_javascript_outputs_are_dropped_from_the_page():
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"application/javascript": "alert(1)", "text/plain": "<Javascript>"},
        )
    ]
    page = reports.render_html(nbformat.v4.new_notebook(cells=[cell]))
    assert "alert(1)" not in page


# -- no network --------------------------------------------------------------------------

FETCHING = {"urllib.request", "requests", "http.client", "socket", "httpx", "urllib3", "aiohttp"}


def test_no_kztrade_module_imports_a_network_client():
    found = []
    for path in sorted((ROOT / "kztrade").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            found += [(path.name, n) for n in names if n in FETCHING]
    assert found == []


def test_no_notebook_imports_a_network_client():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            tree = ast.parse("".join(cell["source"]))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    assert not {a.name for a in node.names} & FETCHING, path.name
                elif isinstance(node, ast.ImportFrom):
                    assert node.module not in FETCHING, path.name


# -- outputs stay inside their own box ---------------------------------------------------


class Outline(HTMLParser):
    """Where each piece of text lands in a page: the open elements around it."""

    def __init__(self):
        super().__init__()
        self.stack, self.found = [], {}

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "hr", "img", "col", "meta", "link", "input"):
            self.stack.append((tag, dict(attrs).get("class") or ""))

    def handle_endtag(self, tag):
        names = [t for t, _ in self.stack]
        if tag in names:
            del self.stack[len(names) - 1 - names[::-1].index(tag) :]

    def handle_data(self, data):
        for text in data.split("\n"):
            if text.strip():
                self.found.setdefault(text.strip(), list(self.stack))


def outline(page):
    parser = Outline()
    parser.feed(page)
    return parser.found


def html_cell(*outputs):
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": o}) for o in outputs]
    return cell


def visible(stack):
    """Text a reader sees: not inside a style sheet, a script or a template."""
    return not any(tag in ("style", "script", "template", "title") for tag, _ in stack)


def in_output(stack):
    return any(tag == "div" and "jp-OutputArea-output" in cls for tag, cls in stack)


def test_an_unclosed_style_in_data_hides_nothing_after_it():
    nb = nbformat.v4.new_notebook(
        cells=[
            html_cell("<table><tr><td>Kazakhstan<style>"),
            html_cell("<p>Exports to China: 9.77 bn USD</p>"),
        ]
    )
    found = outline(reports.render_html(nb))
    assert visible(found["Exports to China: 9.77 bn USD"])
    assert visible(found["Kazakhstan<style>"])  # the data's tag shows as text


def test_stray_closing_tags_in_data_stay_inside_their_output():
    withdrawn = "<td>x</td>" + "</div>" * 5 + "</main></body><h1>Report withdrawn</h1>"
    nb = nbformat.v4.new_notebook(cells=[html_cell(withdrawn), html_cell("<p>next</p>")])
    page = reports.render_html(nb)
    found = outline(page)
    assert in_output(found["Report withdrawn"]), found["Report withdrawn"]
    assert in_output(found["next"])
    assert "&lt;/div&gt;&lt;/div&gt;" in page
    assert page.count("<div") == page.count("</div>")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<b>open<i>both", "<b>open<i>both</i></b>"),
        ("<table><tr><td>1</table>after", "<table><tr><td>1</td></tr></table>after"),
        ("</p></td>text", "&lt;/p&gt;&lt;/td&gt;text"),
        ("<ul><li>a</b></ul>", "<ul><li>a&lt;/b&gt;</li></ul>"),
        ("<td/>x<br></br>", "<td></td>x<br>"),
        ("<p>a<style>b { color: red }", "<p>a&lt;style&gt;b { color: red }</p>"),
    ],
)
def test_inert_html_balances_tags_within_the_output(text, expected):
    assert reports.inert_html(text) == expected


@pytest.mark.parametrize(
    "css",
    [
        'body{background:image-set("https://evil.example/y.png" 1x)}',
        'td{background:-webkit-image-set("https://evil.example/y.png" 1x)}',
        "td{background-image:image(https://evil.example/y.png)}",
        "td{background-color:url(https://evil.example/y.png)}",
        "*{display:none}",
        "td::after{content:'9.77'}",
        "#T_a td::after{content:'9.77'}",
        "#T_a td{position:fixed; top:0}",
        "#T_a ~ div{color:red}",
        "#T_other td{color:white}",  # another output's table
        "@media screen { body { color: red } }",
        "@import 'https://evil.example/a.css';",
        "#T_a td{color:\\72 ed}",
        "#T_a td{width:expression(alert(1))}",
        "#T_a td{behavior:url(x.htc)}",
    ],
)
def test_style_sheets_from_data_keep_nothing_that_fetches_or_leaves_their_table(css):
    kept = reports.inert_html(f"<style>{css}</style><table id=T_a><tr><td>1</td></tr></table>")
    assert "<style" not in kept, kept
    assert kept.endswith('<table id="T_a"><tr><td>1</td></tr></table>')


def test_a_pandas_styler_keeps_its_own_table_styles():
    import pandas as pd

    styled = (
        pd.DataFrame({"value": [1.5, 2.25], "name": ["a", "<b>x</b>"]})
        .style.format(precision=2, escape="html")
        .set_properties(**{"text-align": "right", "position": "fixed"})
        .set_table_styles([{"selector": "th", "props": "font-weight: bold;"}])
        .to_html()
    )
    kept = reports.inert_html(styled)
    (uuid,) = set(re.findall(r'<table id="(T_[a-z0-9]+)"', kept))
    assert f"#{uuid} th {{ font-weight: bold; }}" in kept
    assert f"#{uuid}_row0_col0, #{uuid}_row0_col1, " in kept and "text-align: right;" in kept
    assert "position" not in kept
    assert f'<td id="{uuid}_row0_col0" class="data row0 col0" >1.50</td>' not in kept  # rebuilt
    assert f'<td id="{uuid}_row0_col0" class="data row0 col0">1.50</td>' in kept
    assert "&lt;b&gt;x&lt;/b&gt;" in kept


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '<td style="background:-webkit-image-set(url(x) 1x); color: red">a</td>',
            '<td style="color: red;">a</td>',
        ),
        (
            '<div style="position:fixed;top:0;left:0;width:100%">Report withdrawn</div>',
            '<div style="width: 100%;">Report withdrawn</div>',
        ),
        (
            "<td style=\"color: red; content: '9'; background: url(x)\">a</td>",
            '<td style="color: red;">a</td>',
        ),
        ('<p style="color:\\72 ed">a</p>', "<p>a</p>"),
        ('<h2 id="summary">x</h2><a href="#summary">y</a>', '<h2>x</h2><a href="#summary">y</a>'),
        (
            '<a href="https://evil.example" title="t">here</a>',
            '<a title="t">here</a> (https://evil.example)',
        ),
        ('<a href="mailto:x@example.org">x</a>', "<a>x</a> (mailto:x@example.org)"),
    ],
)
def test_style_attributes_ids_and_links_from_data_are_cut_down(text, expected):
    assert reports.inert_html(text) == expected


def test_an_svg_only_output_is_shown_as_an_image_never_inlined():
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/svg+xml": svg})]
    page = reports.render_html(nbformat.v4.new_notebook(cells=[cell]))
    body = page[page.index("<main>") :]
    assert "<svg" not in body and "alert(1)" not in body
    assert re.search(r'<img [^>]*src="data:image/svg\+xml;base64,', body)


def test_highlights_show_names_from_data_literally():
    import pandas as pd

    from kztrade.forecast import FullYearProjection
    from kztrade.notebooks import projection_highlights

    p = FullYearProjection(
        year=2024, months_observed=4, last_observed=pd.Period("2024-04", "M"),
        ytd_total=20e9, total=60e9, intervals={95: (52e9, 69e9)}, ytd_share=1 / 3,
        forecast=None,
    )  # fmt: skip
    name = "<b>x</b> *y* [z](https://evil.example)"
    cell = nbformat.v4.new_code_cell("")
    text = projection_highlights(p, what=name).text
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": text})]
    page = reports.render_html(nbformat.v4.new_notebook(cells=[cell]))
    body = page[page.index("<main>") :]
    # the address shows as text, once (Markdown makes a bare address a link)
    assert "&lt;b&gt;x&lt;/b&gt; *y* [z](<a>https://evil.example</a>) of" in body
    assert "<em>" not in body and "href" not in body
    assert "<strong>20.00 bn USD</strong>" in body  # kztrade's own emphasis stays


# -- no external fetch in a rendered page -------------------------------------------------

FETCHING_TAGS = {
    "img": ("src", "srcset"),
    "script": ("src",),
    "link": ("href",),
    "iframe": ("src",),
    "frame": ("src",),
    "object": ("data",),
    "embed": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "input": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
}


class Fetches(HTMLParser):
    """Every address in a page that a browser would load when it shows the page."""

    def __init__(self):
        super().__init__()
        self.found, self.sheets = [], []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in FETCHING_TAGS.get(tag, ()) and value is not None:
                self.found += [f"<{tag} {name}={u.strip()}>" for u in value.split(",")]
            if name == "style" and value:
                self.sheets.append(value)
        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.sheets.append(data)


def external_fetches(page):
    parser = Fetches()
    parser.feed(page)
    bad = [f for f in parser.found if re.search(r"=\s*(?:[a-z][a-z0-9+.-]*:)?//", f, re.I)]
    for sheet in parser.sheets:
        bad += re.findall(r"@import[^;]*", sheet, re.I)
        for address in re.findall(r"url\(\s*['\"]?([^'\")]*)", sheet, re.I):
            if not address.strip().lower().startswith(("data:", "#")):
                bad.append(f"url({address})")
        for inner in re.findall(r"image-set\(([^;}]*)", sheet, re.I):
            if re.search(r"['\"]\s*(?!data:)[^'\"]+['\"]", inner, re.I):
                bad.append(f"image-set({inner})")
    return bad


def test_the_fetch_check_finds_fetches():
    page = (
        '<img src="https://x/i.png"><script src="//x/s.js"></script><link href="http://x/c">'
        "<style>@import 'x.css'; td { background: url(https://x/y) }"
        ' p { background: image-set("https://x/z" 1x) }</style>'
        '<p style="background: url(//x/q)">'
    )
    assert len(external_fetches(page)) == 7, external_fetches(page)
    assert external_fetches('<img src="data:image/png;base64,AA"><a href="https://x">') == []


def test_no_page_of_a_real_report_run_fetches_anything(markup):
    pages = {r.job.name: markup.out / r.files["html"] for r in markup.results}
    pages["index"] = markup.index
    assert {"statement_check", "helpers", "index"} <= set(pages)
    for name, path in pages.items():
        page = path.read_text()
        assert external_fetches(page) == [], name
    helpers = pages["helpers"].read_text()
    assert "image-set" not in helpers and "evil.example/y.png" not in helpers
    assert "<a>the source</a> (https://evil.example/doc)" in helpers
