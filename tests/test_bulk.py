"""Bulk UN Comtrade files: filters, formats (CSV, gzip, Parquet, datasets), convert, errors."""

import gzip
import hashlib
import shutil
import warnings

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from kztrade import cli, comtrade
from kztrade.comtrade import convert, read_comtrade
from kztrade.errors import KztradeWarning, ParameterError, ParseError
from kztrade.filters import select
from kztrade.readers import read_comtrade as reexported
from kztrade.schema import validate

LAYOUT = (
    "typeCode,freqCode,refPeriodId,refYear,refMonth,period,reporterCode,reporterISO,"
    "reporterDesc,flowCode,flowDesc,partnerCode,partnerISO,partnerDesc,partner2Code,"
    "partner2ISO,partner2Desc,classificationCode,cmdCode,cmdDesc,aggrLevel,isLeaf,customsCode,"
    "customsDesc,mosCode,motCode,motDesc,qtyUnitCode,qty,netWgt,grossWgt,cifvalue,fobvalue,"
    "primaryValue,isReported,isAggregate"
).split(",")
REPORTERS = ["KAZ", "MNG", "UZB"]
PARTNERS = ["CHN", "RUS", "W00", "NAM", "DEU", "TUR", "KGZ"]
CODES = ["TOTAL", "27", "72", "2709", "7201", "270900", "720110", "260300"]


def make_bulk(rows: int, seed: int = 7) -> pd.DataFrame:
    """A monthly Comtrade-layout table with breakdown rows and sub-flows, keys unique."""
    rng = np.random.default_rng(seed)
    # Unique (period, reporter, partner, flow, commodity, breakdown) keys.
    sizes = [12, len(REPORTERS), len(PARTNERS), 3, len(CODES), 3]
    keys = rng.choice(int(np.prod(sizes)), rows, replace=False)
    keys.sort()
    parts = []
    for size in sizes[::-1]:
        parts.append(keys % size)
        keys //= size
    kind, cmd, flow, partner, reporter, month = parts
    flows = np.array(["X", "M", "RX"])[flow]
    value = np.round(rng.lognormal(12, 2.5, rows), 2)
    weight = np.round(value / 3, 3).astype(str)
    weight[rng.random(rows) < 0.2] = ""
    iso = np.array(PARTNERS)[partner]
    period = np.array([f"2023{m + 1:02d}" for m in range(12)])[month]
    frame = pd.DataFrame(
        {
            "typeCode": "C",
            "freqCode": "M",
            "refPeriodId": [p + "01" for p in period],
            "refYear": "2023",
            "refMonth": (month + 1).astype(str),
            "period": period,
            "reporterCode": (reporter + 100).astype(str),
            "reporterISO": np.array(REPORTERS)[reporter],
            "reporterDesc": np.array(REPORTERS)[reporter],
            "flowCode": flows,
            "flowDesc": flows,
            "partnerCode": np.where(iso == "W00", "0", (partner + 200).astype(str)),
            "partnerISO": iso,
            "partnerDesc": np.where(iso == "NAM", "Namibia, Republic of", iso),
            "partner2Code": np.where(kind == 2, "156", "0"),
            "partner2ISO": np.where(kind == 2, "CHN", "W00"),
            "partner2Desc": "World",
            "classificationCode": "H6",
            "cmdCode": np.array(CODES)[cmd],
            "cmdDesc": "Goods, of a kind",
            "aggrLevel": "6",
            "isLeaf": "True",
            "customsCode": "C00",
            "customsDesc": "TOTAL CPC",
            "mosCode": "0",
            "motCode": np.where(kind == 1, "2100", "0"),
            "motDesc": "TOTAL MOT",
            "qtyUnitCode": "8",
            "qty": "",
            "netWgt": weight,
            "grossWgt": "",
            "cifvalue": "",
            "fobvalue": "",
            "primaryValue": value.astype(str),
            "isReported": "True",
            "isAggregate": "False",
        }
    )
    return frame[LAYOUT]


def expected(raw: pd.DataFrame, *, reporter=None, partner=None, period=None, flow=None, level=None):
    """What read_comtrade must return, computed the plain pandas way from the whole file."""
    d = raw[
        raw.flowCode.isin(["X", "M"])
        & raw.partner2Code.eq("0")
        & raw.customsCode.eq("C00")
        & raw.motCode.eq("0")
    ].copy()
    d["partner"] = d.partnerISO.replace({"W00": "WLD"})
    if reporter is not None:
        d = d[d.reporterISO.isin(reporter)]
    if partner is not None:
        d = d[d.partner.isin(partner)]
    if period is not None:
        d = d[d.period.isin(period) | d.period.str[:4].isin(period)]
    if flow is not None:
        d = d[d.flowCode.isin(flow)]
    if level == "TOTAL":
        d = d[d.cmdCode == "TOTAL"]
    elif level is not None:
        d = d[(d.cmdCode.str.len() == level) & (d.cmdCode != "TOTAL")]
    weight = pd.to_numeric(d.netWgt.replace("", np.nan))
    return pd.DataFrame(
        {
            "period": (d.period.str[:4] + "-" + d.period.str[4:]).tolist(),
            "reporter": d.reporterISO.tolist(),
            "partner": d.partner.tolist(),
            "flow": d.flowCode.map({"X": "export", "M": "import"}).tolist(),
            "commodity": d.cmdCode.tolist(),
            "value_usd": d.primaryValue.astype(float).tolist(),
            "net_weight_kg": weight.tolist(),
        }
    )


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "period": frame["period"].astype(str).tolist(),
            **{c: frame[c].astype(str).tolist() for c in ("reporter", "partner", "flow")},
            "commodity": frame["commodity"].astype(str).tolist(),
            "value_usd": frame["value_usd"].tolist(),
            "net_weight_kg": frame["net_weight_kg"].tolist(),
        }
    )
    return out.sort_values(["period", "reporter", "partner", "flow", "commodity"]).reset_index(
        drop=True
    )


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def bulk(tmp_path_factory):
    """The same 3000 rows as CSV, gzip CSV, one Parquet file and a converted dataset."""
    tmp = tmp_path_factory.mktemp("bulk")
    raw = make_bulk(3000)
    csv = tmp / "bulk.csv"
    raw.to_csv(csv, index=False)
    gz = tmp / "bulk.csv.gz"
    with open(csv, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    parquet = tmp / "bulk.parquet"
    numbers = ["qty", "netWgt", "grossWgt", "cifvalue", "fobvalue", "primaryValue"]
    typed = raw.copy()
    for column in numbers:
        typed[column] = pd.to_numeric(typed[column].replace("", np.nan))
    typed.to_parquet(parquet, index=False)
    before = sha(csv)
    dataset = convert(csv, tmp / "dataset")
    assert sha(csv) == before  # the input is only read
    return {"raw": raw, "csv": csv, "gz": gz, "parquet": parquet, "dataset": dataset, "tmp": tmp}


FILTERS = [
    {},
    {"reporter": "KAZ"},
    {"partner": ["CHN", "NAM"]},
    {"partner": "WLD"},
    {"period": "2023"},
    {"period": ["202303", "2023-11"]},
    {"flow": "import"},
    {"commodity_level": 6},
    {"level": "TOTAL"},
    {"reporter": "KAZ", "partner": "CHN", "flow": ["X", "M"], "period": 202305},
]


def _expected_args(kwargs):
    out = {}
    for key, value in kwargs.items():
        values = [value] if isinstance(value, (str, int)) else list(value)
        if key == "period":
            out[key] = [str(v).replace("-", "") for v in values]
        elif key == "flow":
            out[key] = [{"export": "X", "import": "M"}.get(v, v) for v in values]
        elif key in ("level", "commodity_level"):
            out["level"] = value
        else:
            out[key] = values
    return out


@pytest.mark.parametrize("kind", ["csv", "gz", "parquet", "dataset"])
@pytest.mark.parametrize("kwargs", FILTERS, ids=lambda k: ",".join(k) or "none")
def test_filters_return_what_pandas_returns_after_loading_everything(bulk, kind, kwargs):
    frame = read_comtrade(bulk[kind], **kwargs)
    want = expected(bulk["raw"], **_expected_args(kwargs))
    assert len(want) > 0
    validate(frame)
    assert frame["period"].dtype == "period[M]"
    assert frame["flow"].dtype.categories.tolist() == ["export", "import"]
    pd.testing.assert_frame_equal(comparable(frame), comparable(want))


def test_csv_rows_keep_the_file_order(bulk):
    frame = read_comtrade(bulk["csv"], reporter="MNG")
    want = expected(bulk["raw"], reporter=["MNG"])
    assert frame["commodity"].tolist() == want["commodity"].tolist()
    assert frame["value_usd"].tolist() == want["value_usd"].tolist()


@pytest.mark.parametrize("kind", ["csv", "dataset"])
def test_no_match_gives_an_empty_frame_shaped_like_a_match_and_says_what_there_is(bulk, kind):
    found = read_comtrade(bulk[kind], reporter="KAZ", partner="NAM")
    message = r"no rows match reporter='TJK', period=2019; the file holds periods 2023-01 to "
    message += r"2023-12 of reporters KAZ, MNG, UZB"
    with pytest.warns(KztradeWarning, match=message):
        frame = read_comtrade(bulk[kind], reporter="TJK", period=2019)
    assert frame.empty
    validate(frame)
    # the same columns and dtypes, so that frames of several reads concatenate cleanly
    assert frame.dtypes.drop("net_weight_kg", errors="ignore").equals(
        found.dtypes.drop("net_weight_kg")
    )
    assert pd.concat([found, frame])["period"].dtype == "period[M]"


def test_a_year_as_a_float_is_a_year(bulk):
    pd.testing.assert_frame_equal(
        read_comtrade(bulk["csv"], partner="NAM", period=2023.0),
        read_comtrade(bulk["csv"], partner="NAM", period=2023),
    )
    with pytest.raises(ParameterError, match=r"period must be years .* got 2023.5"):
        read_comtrade(bulk["csv"], period=2023.5)


def test_a_part_of_a_dataset_is_refused_with_the_filters_that_select_it(bulk):
    part = bulk["dataset"] / "reporterISO=KAZ"
    with pytest.raises(ParseError, match=r"reporterISO=KAZ: is a part of a partitioned dataset"):
        read_comtrade(part, partner="CHN")
    with pytest.raises(ParseError, match=r"read the dataset folder .*dataset with reporter='KAZ'"):
        read_comtrade(next(part.rglob("*.parquet")))


def test_codes_with_spaces_around_are_found_in_a_sorted_dataset(bulk, tmp_path, monkeypatch):
    # A code stored as " CHN" sorts into row groups of its own, whose statistics a filter on
    # "CHN" would skip; the reader strips codes, so those row groups must still be read.
    raw = bulk["raw"].copy()
    raw["partnerISO"] = raw["partnerISO"].replace({"CHN": " CHN"})
    raw["reporterISO"] = raw["reporterISO"].replace({"KAZ": "KAZ "})
    csv = tmp_path / "padded.csv"
    raw.to_csv(csv, index=False)
    monkeypatch.setattr(comtrade, "_ROW_GROUP", 16)
    dataset = convert(csv, tmp_path / "padded", partition_by=["period"])
    assert (dataset / "period=202301").is_dir()
    for kwargs in ({"partner": "CHN"}, {"reporter": "KAZ", "partner": "CHN"}, {"reporter": "KAZ"}):
        expected_rows = len(read_comtrade(csv, **kwargs))
        assert expected_rows > 0
        assert len(read_comtrade(dataset, **kwargs)) == expected_rows, kwargs
    # partition values are folder names, which a filter matches exactly: stored stripped
    by_reporter = convert(csv, tmp_path / "by_reporter")
    names = sorted(p.name for p in by_reporter.iterdir())
    assert names[:2] == ["_common_metadata", "reporterISO=KAZ"]
    assert len(read_comtrade(by_reporter, reporter="KAZ")) == len(
        read_comtrade(csv, reporter="KAZ")
    )


def test_parquet_written_elsewhere_with_integer_values_and_files_without_weights(bulk, tmp_path):
    frame = bulk["raw"].copy()
    frame["primaryValue"] = frame["primaryValue"].astype(float).round().astype("int64")
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    half = len(frame) // 2
    frame.iloc[:half].drop(columns=["netWgt"]).to_parquet(folder / "a.parquet", index=False)
    second = frame.iloc[half:].copy()
    second["netWgt"] = pd.to_numeric(second["netWgt"].replace("", np.nan))
    second.to_parquet(folder / "b.parquet", index=False)
    read = read_comtrade(folder, partner="NAM")
    csv = read_comtrade(bulk["csv"], partner="NAM")
    assert len(read) == len(csv)
    np.testing.assert_array_equal(
        np.sort(read["value_usd"].to_numpy()), np.sort(csv["value_usd"].round().to_numpy())
    )
    assert read["net_weight_kg"].isna().any() and read["net_weight_kg"].notna().any()


def test_readers_reexport():
    assert reexported is read_comtrade


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reporter": "kz"}, r"reporter must be ISO 3166 alpha-3 codes .* got 'kz'"),
        ({"partner": []}, r"partner is an empty list"),
        ({"partner": [156]}, r"got 156"),
        ({"period": "2023-13"}, r"period must be years .* got '2023-13'"),
        ({"flow": "re-export"}, r"flow must be 'export' or 'import'"),
        ({"level": 2, "commodity_level": 4}, r"disagree"),
    ],
)
def test_filter_values_are_checked(bulk, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        read_comtrade(bulk["csv"], **kwargs)


def test_a_bad_level_is_a_parameter_error_under_either_name(bulk):
    for name in ("commodity_level", "level"):
        with pytest.raises(ParameterError, match=r"commodity_level must be 2, 4, 6 or 'TOTAL'"):
            read_comtrade(bulk["csv"], **{name: 3})


# --------------------------------------------------------------------------- errors


def _lines(bulk):
    return bulk["csv"].read_text().splitlines()


def _write(tmp_path, lines, name="edited.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_bad_value_is_reported_at_its_line_of_the_file_also_with_filters(bulk, tmp_path):
    lines = _lines(bulk)
    raw = bulk["raw"]
    # A kept row (flow X/M, totals) of reporter UZB near the end of the file.
    kept = raw.index[
        raw.reporterISO.eq("UZB")
        & raw.flowCode.eq("X")
        & raw.motCode.eq("0")
        & raw.partner2Code.eq("0")
    ][-1]
    line = kept + 2
    fields = lines[line - 1].rsplit(",", 3)  # primaryValue is the fourth field from the end
    fields[1] = "n/a"
    lines[line - 1] = ",".join(fields)
    path = _write(tmp_path, lines)
    message = rf"line {line}, column 'primaryValue': value is not a number: 'n/a'"
    with pytest.raises(ParseError, match=message):
        read_comtrade(path, reporter="UZB")
    with pytest.raises(ParseError, match=message):
        read_comtrade(path)
    # A filter that leaves the row out never looks at it.
    assert len(read_comtrade(path, reporter="KAZ")) == len(expected(raw, reporter=["KAZ"]))


def test_duplicates_and_bad_periods_name_the_line(bulk, tmp_path):
    lines = _lines(bulk)
    raw = bulk["raw"]
    kept = raw.index[raw.flowCode.eq("M") & raw.motCode.eq("0") & raw.partner2Code.eq("0")]
    first, second = int(kept[5]) + 2, int(kept[40]) + 2
    dup = [*lines, lines[first - 1]]
    with pytest.raises(ParseError, match=rf"line {first}: 2 rows repeat the same period"):
        read_comtrade(_write(tmp_path, dup))
    bad = list(lines)
    bad[second - 1] = bad[second - 1].replace(",2023", ",2O23", 3)
    with pytest.raises(ParseError, match=rf"line {second}, column 'period': period '2O2"):
        read_comtrade(_write(tmp_path, bad, "period.csv"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda lines: lines[:50] + [lines[50][:40]] + lines[51:],
            r"line 51: .*wrong number of fields",
        ),
        (lambda lines: [], r"the file is empty"),
        (lambda lines: lines[:1], r"no data rows below the header"),
        (lambda lines: [lines[0].replace("cmdCode", "code"), *lines[1:]], r"\['cmdCode'\]"),
    ],
)
def test_malformed_csv_is_a_parse_error(bulk, tmp_path, make, message):
    path = _write(tmp_path, make(_lines(bulk)))
    with pytest.raises(ParseError, match=message):
        read_comtrade(path)


def test_non_utf8_and_cut_gzip_are_parse_errors(bulk, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes(bulk["csv"].read_bytes().replace(b",UZB,", b",UZ\xc9,"))
    with pytest.raises(ParseError, match=r"latin.csv.*not UTF-8 text; save it as CSV \(UTF-8\)"):
        read_comtrade(latin)
    # Text in columns the tidy frame does not use is not read by read_comtrade, but convert
    # copies every column and checks it.
    names = tmp_path / "names.csv"
    names.write_bytes(bulk["csv"].read_bytes().replace(b"Namibia", b"Nam\xefbia"))
    assert len(read_comtrade(names)) == len(expected(bulk["raw"]))
    with pytest.raises(ParseError, match=r"names.csv.*not UTF-8 text"):
        convert(names, tmp_path / "names")
    cut = tmp_path / "cut.csv.gz"
    data = bulk["gz"].read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ParseError, match=r"cut.csv.gz"):
        read_comtrade(cut)


# --------------------------------------------------------------------------- convert


def test_convert_keeps_every_row_and_column(bulk):
    dataset = bulk["dataset"]
    assert sorted(p.name for p in dataset.iterdir()) == [
        "_common_metadata",  # the schema every file has
        *(f"reporterISO={r}" for r in REPORTERS),
    ]
    table = pq.read_table(dataset).to_pandas()
    assert len(table) == len(bulk["raw"])
    assert set(table.columns) == set(LAYOUT)
    assert table["primaryValue"].sum() == pytest.approx(
        bulk["raw"]["primaryValue"].astype(float).sum()
    )
    assert not list(bulk["tmp"].glob(".dataset*"))  # no temporary folder left behind


def test_convert_sorts_files_so_a_partner_filter_skips_row_groups(bulk, tmp_path, monkeypatch):
    monkeypatch.setattr(comtrade, "_ROW_GROUP", 50)
    monkeypatch.setattr(comtrade, "_FILE_ROWS", 400)
    dataset = convert(bulk["csv"], tmp_path / "small", partition_by=())
    files = sorted(dataset.rglob("*.parquet"))
    assert len(files) == -(-len(bulk["raw"]) // 400)  # files of at most 400 rows
    for file in files:
        parquet = pq.ParquetFile(file)
        assert {parquet.metadata.row_group(i).num_rows for i in range(1, 3)} == {50}
        keys = parquet.read(columns=["reporterISO", "partnerISO", "flowCode"]).to_pandas()
        ordered = keys.sort_values(list(keys.columns), kind="stable")
        assert keys.index.equals(ordered.index), f"{file.name} is not sorted"
    read = []
    original = comtrade._RowGroup.__init__

    def counting(self, parquet, group, keys, **options):
        read.append((parquet.metadata.num_row_groups, group))
        original(self, parquet, group, keys, **options)

    monkeypatch.setattr(comtrade._RowGroup, "__init__", counting)
    frame = read_comtrade(dataset, reporter="KAZ", partner="NAM")
    pd.testing.assert_frame_equal(
        comparable(frame), comparable(expected(bulk["raw"], reporter=["KAZ"], partner=["NAM"]))
    )
    groups = sum(pq.ParquetFile(f).metadata.num_row_groups for f in files)
    # Unsorted, hardly any row group could be skipped: every file holds every partner.
    assert 0 < len(read) < groups / 3
    read.clear()
    assert len(read_comtrade(dataset)) == len(expected(bulk["raw"]))
    assert len(read) == groups


def test_convert_onto_a_file_says_so_at_once(bulk, tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    for overwrite in (False, True):
        with pytest.raises(ParameterError, match=r"notes.txt is a file, not a dataset folder"):
            convert(bulk["csv"], target, overwrite=overwrite)
    assert cli.main(["convert", str(bulk["csv"]), str(target)]) == cli.EXIT_USAGE
    assert "is a file, not a dataset folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_convert_refuses_to_overwrite_unless_asked(bulk, tmp_path):
    out = tmp_path / "out"
    convert(bulk["csv"], out, partition_by=["period"])
    assert len(list(out.glob("period=*"))) == 12
    with pytest.raises(ParameterError, match=r"out exists; choose another folder"):
        convert(bulk["csv"], out)
    convert(bulk["gz"], out, partition_by=(), overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["_common_metadata", "part-0.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    pd.testing.assert_frame_equal(
        comparable(read_comtrade(out)), comparable(read_comtrade(bulk["csv"]))
    )


def test_convert_reports_a_bad_number_with_its_line(bulk, tmp_path):
    lines = _lines(bulk)
    fields = lines[99].rsplit(",", 3)
    fields[1] = "12,5"
    lines[99] = ",".join(fields[:1]) + ',"12,5",' + ",".join(fields[2:])
    path = _write(tmp_path, lines)
    with pytest.raises(ParseError, match=r"line 100, column 'primaryValue'.*'12,5'"):
        convert(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["edited.csv"]


def test_cli_convert(bulk, tmp_path, capsys):
    out = tmp_path / "ds"
    before = sha(bulk["csv"])
    code = cli.main(["convert", str(bulk["csv"]), str(out), "--partition-by", "period"])
    stdout, _ = capsys.readouterr()
    assert code == cli.EXIT_OK
    assert stdout.startswith(f"wrote {out} (12 Parquet file(s)")
    assert sha(bulk["csv"]) == before
    code = cli.main(["convert", str(bulk["csv"]), str(out)])
    _, err = capsys.readouterr()
    assert code == cli.EXIT_USAGE
    assert err.strip().count("\n") == 0
    assert err.startswith("kztrade convert: error:") and "--overwrite" in err
    assert cli.main(["convert", str(bulk["csv"]), str(out), "--overwrite"]) == cli.EXIT_OK
    capsys.readouterr()
    not_comtrade = tmp_path / "other.csv"
    not_comtrade.write_text("a,b\n1,2\n")
    assert cli.main(["convert", str(not_comtrade), str(tmp_path / "x")]) == cli.EXIT_USAGE
    _, err = capsys.readouterr()
    assert "missing column(s)" in err and err.strip().count("\n") == 0
    assert cli.main(["convert", str(tmp_path / "none.csv"), str(tmp_path / "y")]) == 2
    _, err = capsys.readouterr()
    assert "none.csv: no such file" in err


def test_tab_separated_bulk_text(bulk, tmp_path):
    path = tmp_path / "bulk.txt"
    bulk["raw"].to_csv(path, index=False, sep="\t")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = read_comtrade(path, partner="NAM")
    pd.testing.assert_frame_equal(
        comparable(frame), comparable(expected(bulk["raw"], partner=["NAM"]))
    )


# --------------------------------------------------------------------------- select


@pytest.mark.parametrize("kwargs", FILTERS, ids=lambda k: ",".join(k) or "none")
def test_select_on_a_frame_means_what_the_filters_mean_when_reading(bulk, kwargs):
    everything = read_comtrade(bulk["csv"])
    before = everything.copy()
    options = {("commodity_level" if k == "level" else k): v for k, v in kwargs.items()}
    chosen = select(everything, **options)
    pd.testing.assert_frame_equal(
        chosen, read_comtrade(bulk["csv"], **kwargs).reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(everything, before)  # the input is not changed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reporter": "kz"}, r"reporter must be ISO 3166 alpha-3 codes .* got 'kz'"),
        ({"partner": []}, r"partner is an empty list"),
        ({"period": "2023-13"}, r"period must be years .* got '2023-13'"),
        ({"flow": "re-export"}, r"flow must be 'export' or 'import'"),
        ({"commodity_level": 3}, r"commodity_level must be 2, 4, 6 or 'TOTAL', got 3"),
    ],
)
def test_select_checks_filter_values_as_the_reader_does(bulk, kwargs, message):
    frame = read_comtrade(bulk["csv"], partner="NAM")
    with pytest.raises(ParameterError, match=message):
        select(frame, **kwargs)


def test_select_on_frames_of_other_sources():
    from kztrade.datasets import load_commodity_monthly

    monthly = load_commodity_monthly()
    april = select(monthly, period="2021-04")
    assert set(april["period"].astype(str)) == {"2021-04"}
    year = select(monthly, period=2021, flow="X")
    assert set(year["period"].astype(str)) == {f"2021-{m:02d}" for m in range(1, 13)}
    assert set(year["flow"].astype(str)) == {"export"}
    assert set(select(monthly, commodity_level=2)["commodity"].str.len()) == {2}
    assert set(select(monthly, commodity_level="TOTAL")["commodity"]) <= {"TOTAL"}
    assert select(monthly, partner="CHN").empty  # no trade by partner there: an answer


@pytest.mark.parametrize("kind", ["parquet", "dataset"])
@pytest.mark.parametrize("kwargs", FILTERS[:4], ids=lambda k: ",".join(k) or "none")
def test_large_row_groups_are_read_in_slices_with_the_same_result(bulk, kind, kwargs, monkeypatch):
    whole = read_comtrade(bulk[kind], **kwargs)
    monkeypatch.setattr(comtrade, "_LARGE_GROUP", 10)
    monkeypatch.setattr(comtrade, "_BATCH", 8)
    sliced = []
    original = comtrade._Batch.__init__

    def counting(self, batch, *args, **options):
        sliced.append(batch.num_rows)
        original(self, batch, *args, **options)

    monkeypatch.setattr(comtrade._Batch, "__init__", counting)
    pd.testing.assert_frame_equal(read_comtrade(bulk[kind], **kwargs), whole)
    assert sliced and max(sliced) <= 8


def test_a_file_added_to_a_converted_dataset_is_still_guarded(bulk, tmp_path):
    slim = bulk["raw"][bulk["raw"]["reporterISO"] == "KAZ"][list(comtrade._COMTRADE_REQUIRED)]
    slim = slim[slim["partner2Code"].eq("0")] if "partner2Code" in slim else slim
    csv = tmp_path / "slim.csv"
    slim.to_csv(csv, index=False)
    dataset = convert(csv, tmp_path / "slim", partition_by=["reporterISO"])
    full = bulk["raw"][bulk["raw"]["reporterISO"] == "UZB"].copy()
    for column in ("qty", "netWgt", "grossWgt", "cifvalue", "fobvalue", "primaryValue"):
        full[column] = pd.to_numeric(full[column].replace("", np.nan))
    (dataset / "reporterISO=UZB").mkdir()
    full.drop(columns=["reporterISO"]).to_parquet(dataset / "reporterISO=UZB" / "hand.parquet")
    # the added file has breakdown rows (partner2, customs, transport): still left out
    read = read_comtrade(dataset, reporter="UZB", partner="CHN")
    assert len(read) == len(read_comtrade(bulk["csv"], reporter="UZB", partner="CHN"))
    assert "net_weight_kg" in read.columns


def test_no_match_in_a_damaged_dataset_is_a_parse_error(bulk, tmp_path):
    copy = convert(bulk["csv"], tmp_path / "copy", partition_by=["reporterISO"])
    victim = next((copy / "reporterISO=UZB").rglob("*.parquet"))
    victim.write_bytes(b"PAR1" + b"\0" * 64 + b"PAR1")
    assert len(read_comtrade(copy, reporter="KAZ", partner="CHN")) > 0
    with pytest.raises(ParseError, match=r"cannot read the Parquet data"):
        read_comtrade(copy, reporter="KAZ", partner="USA")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period": pd.Period("2023Q2", "Q")}, r"period must be years or months"),
        ({"flow": []}, r"flow is an empty list"),
        ({"commodity_level": pd.NA}, r"commodity_level must be 2, 4, 6 or 'TOTAL'"),
    ],
)
def test_odd_filter_values_get_the_filter_message(bulk, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        read_comtrade(bulk["csv"], **kwargs)
    with pytest.raises(ParameterError, match=message):
        select(read_comtrade(bulk["csv"], partner="NAM"), **kwargs)


def test_zero_dimensional_arrays_are_single_values(bulk):
    pd.testing.assert_frame_equal(
        read_comtrade(bulk["csv"], partner=np.array("NAM"), period=np.array(2023)),
        read_comtrade(bulk["csv"], partner="NAM", period=2023),
    )


def test_a_country_name_for_a_code_gets_the_code_suggested(bulk):
    with pytest.raises(ParameterError, match=r"got 'Mongolia'; did you mean 'MNG'\?"):
        read_comtrade(bulk["csv"], partner="Mongolia")
    with pytest.raises(ParameterError, match=r"got 'Narnia'$"):
        select(read_comtrade(bulk["csv"], partner="NAM"), partner="Narnia")
