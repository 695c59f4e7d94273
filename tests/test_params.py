"""Parameter checks in kztrade.params: ASCII digits only, whole values only, and codes that
are not one country refused with what to give instead."""

import pytest

from kztrade import params
from kztrade.errors import ParameterError
from kztrade.notebooks import Parameter


@pytest.mark.parametrize(
    "value",
    [
        "\u0662\u0660\u0662\u0662",  # 2022 in Arabic-Indic digits
        "\u06f2\u06f0\u06f2\u06f2",  # 2022 in Extended Arabic-Indic (Persian) digits
        "\u0968\u0966\u0968\u0968",  # 2022 in Devanagari digits
        "\uff12\uff10\uff12\uff12",  # 2022 in full-width digits
        "2022-\u0660\u0665",  # an ASCII year with a month in Arabic-Indic digits
        "2022\n",  # a trailing line end, which "$" would let through
        "2022-05\n",
        "2022-05-01\nimport os",
    ],
)
def test_periods_with_other_digits_or_a_trailing_line_are_refused(value):
    with pytest.raises(ParameterError, match="must be a period written YYYY, YYYY-MM"):
        params.check_period("statement_date", value)


def test_check_values_refuses_a_period_in_unicode_digits_before_anything_runs():
    declared = {"statement_date": Parameter("statement_date", "str", "2022-05", "YYYY-MM")}
    with pytest.raises(ParameterError, match="'statement_date' must be a period written"):
        params.check_values(
            declared, {"statement_date": "\u0662\u0660\u0662\u0662"}, notebook="demo"
        )


@pytest.mark.parametrize("name", ["trade\n", "trade_MNG\n", "\u0661\u0662", "report\uff11"])
def test_output_names_with_other_digits_or_a_line_end_are_refused(name):
    with pytest.raises(ParameterError, match="would not be a plain file in the output folder"):
        params.check_output_name(name)


@pytest.mark.parametrize("name", ["con", "NUL.html", "com1"])
def test_reserved_names_still_refused(name):
    with pytest.raises(ParameterError, match="Windows reserves this name"):
        params.check_output_name(name)


@pytest.mark.parametrize("good", ["2022", "2022-05", "2024-02-29"])
def test_ascii_periods_still_accepted(good):
    assert params.check_period("statement_date", good) == good


@pytest.mark.parametrize("code", ["EUN", "USP", "BAT", "UNS", "SPE"])
def test_group_and_non_country_codes_say_what_to_give_instead(code):
    with pytest.raises(ParameterError) as info:
        params.check_code("partner", code)
    message = str(info.value)
    assert message.startswith("parameter 'partner' must be an ISO 3166 alpha-3 code")
    assert f"got {code!r}; it is not in the ISO 3166 table" in message
    assert "Groups (such as 'EUN', the EU in WITS)" in message
    assert "are not supported as a notebook's partner" in message
    assert "partner='DEU' for Germany" in message
    assert "coco.convert('Mongolia', to='ISO3')" in message


def test_the_message_names_the_parameter_it_is_about():
    with pytest.raises(
        ParameterError, match="not supported as a notebook's reporter: .*reporter='DEU'"
    ):
        params.check_code("reporter", "EUN")


def test_every_parameter_problem_is_named_in_one_run(tmp_path, capsys):
    # A wrong type, a wrong year and a wrong code: one run of the command names all three.
    from kztrade.cli import EXIT_USAGE, main

    argv = ["run", "trade_overview", "--out", str(tmp_path / "out")]
    argv += ["-p", "last_year", "abc", "-p", "first_year", "15", "-p", "partner", "XXX"]
    assert main(argv) == EXIT_USAGE
    message = capsys.readouterr().err
    for problem in ("'last_year' must be an integer", "'first_year' must be a year", "'XXX'"):
        assert problem in message
    assert not (tmp_path / "out").exists()
