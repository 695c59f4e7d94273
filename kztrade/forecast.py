"""Forecasts of trade series with a backtested choice of model, intervals and projections.

:func:`auto_forecast` fits simple baselines (naive, seasonal naive, drift) and three
statsmodels families (``ETSModel``, ``SARIMAX``, ``ThetaModel``) to one series, scores
every candidate and combinations of them by rolling-origin backtesting on the series'
own history, and returns the median combination (unless the backtest rejects it) with
prediction intervals calibrated on the backtest errors, the backtest table and the
empirical coverage of the model intervals.
:func:`project_full_year` turns a January-to-month-m release into a full-year total.
:func:`plot_forecast` draws the result as a fan chart.

Positive series are modelled on logarithms, so forecasts and lower bounds stay positive.
The module forecasts one series at a time from its own past; it does not model
exchange rates, prices or any other explanatory variable, does not reconcile forecasts
across partners or commodities, and does not fetch data.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from kztrade.errors import ParameterError

__all__ = [
    "ForecastResult",
    "FullYearProjection",
    "auto_forecast",
    "backtest",
    "plot_forecast",
    "project_full_year",
]

#: Season length implied by each pandas frequency (months, quarters, years).
SEASON_LENGTHS = {"M": 12, "Q": 4, "Y": 1, "A": 1}

#: Base candidates, in the order they are reported.
BASE_CANDIDATES = ("naive", "snaive", "drift", "ets", "arima", "theta")

#: Families whose forecasts are averaged into combinations.
COMBINED_FAMILIES = ("ets", "arima", "theta")

#: Key of the median combination: the point-wise median of the ETS, ARIMA and Theta
#: forecasts and the seasonal naive one (the naive one for non-seasonal series). It is
#: the forecast auto_forecast reports unless the guard below rejects it.
MEDIAN = "median"

#: The best single candidate replaces the median combination when the combination's
#: backtest MASE is more than this many times the candidate's.
GUARD_RATIO = 2.5

#: Non-seasonal (p, q) orders searched for the ARIMA candidate without seasonal difference.
ARIMA_ORDERS = ((0, 1), (1, 0), (1, 1))

#: (p, q) orders searched with a seasonal difference, each with a seasonal MA(1) term.
SEASONAL_ARIMA_ORDERS = ((0, 1), (1, 0))

#: Seasonal strength (Wang, Smith and Hyndman 2006) above which ARIMA differences seasonally.
SEASONAL_STRENGTH_THRESHOLD = 0.64

#: Weight, in origins' worth of errors at the nominal spread, with which the interval
#: scale estimated from backtest errors is pulled towards 1 (see ``docs/forecast.md``).
CALIBRATION_PRIOR = 1

#: Changes of a training window smaller than this share of its level count as no change:
#: the backtest's MASE is then undefined (NaN) instead of a division by rounding noise.
NO_CHANGE_TOLERANCE = 1e-9

#: sMAPE (in percent) below which a backtest forecast counts as exact when the guard has
#: to compare sMAPE because MASE is undefined, so that rounding noise cannot trip it.
SMAPE_EXACT = 0.01

#: How far a fan chart's y-axis reaches beyond the range of the history and the point
#: forecast, in multiples of that range; intervals reaching further run off the chart.
FAN_HEADROOM = 1.5

#: Fewest observations auto_forecast accepts.
MIN_OBSERVATIONS = 3


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastResult:
    """The outcome of :func:`auto_forecast`.

    Attributes
    ----------
    mean : pandas.Series
        Point forecasts on an index that continues the input's. For a log model this
        is the back-transformed mean of the logarithm, i.e. the median of the forecast
        distribution, unless ``bias_adjust=True`` was asked for.
    intervals : pandas.DataFrame
        Columns ``lower_<level>`` and ``upper_<level>`` for every level, same index,
        calibrated on the backtest errors (see ``docs/forecast.md``).
    model : str
        The chosen candidate, e.g.
        ``"median(ETS(A,N,A), ARIMA(0,1,1)(0,1,1)[12], Theta, SNaive[12])"``.
    backtest : pandas.DataFrame
        One row per candidate: its specification, rolling-origin MASE and sMAPE,
        the empirical coverage of each interval level (before calibration), the
        ``interval_scale`` applied to its intervals, a note when it could not be
        fitted, and ``chosen`` marking the selected one.
    forecasts : pandas.DataFrame
        Point forecasts of every candidate that could be fitted, one column each.
    candidates : dict of str to pandas.DataFrame
        For every candidate that could be fitted, its ``mean`` and interval columns.
    candidate : str
        The key of the chosen candidate in ``backtest`` (``"median"`` unless the guard rejected it).
    transform : str
        ``"log"`` or ``"none"``: the scale the models were fitted on.
    season_length : int
        Observations per seasonal cycle used (1 = no seasonality).
    levels : tuple of int
        Interval levels in percent.
    notes : tuple of str
        Plain-language remarks on what was simplified and why (short series, ...).
    """

    mean: pd.Series
    intervals: pd.DataFrame
    model: str
    backtest: pd.DataFrame
    forecasts: pd.DataFrame
    candidates: dict
    candidate: str
    transform: str
    season_length: int
    levels: tuple
    notes: tuple = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """Return the point forecast and the intervals in one frame.

        Returns
        -------
        pandas.DataFrame
            Column ``mean`` followed by the interval columns.

        Examples
        --------
        >>> import pandas as pd
        >>> y = pd.Series([10.0, 11, 12, 13, 14, 15, 16, 17],
        ...               index=pd.period_range("2015", periods=8, freq="Y"))
        >>> list(auto_forecast(y, horizon=2).to_frame().columns)
        ['mean', 'lower_80', 'upper_80', 'lower_95', 'upper_95']
        """
        return pd.concat([self.mean.rename("mean"), self.intervals], axis=1)

    def summary(self) -> str:
        """Describe the chosen model, the transform, the notes and the backtest table.

        Returns
        -------
        str
            Several lines of plain text.

        Examples
        --------
        >>> import pandas as pd
        >>> y = pd.Series([10.0, 11, 12, 13, 14, 15, 16, 17],
        ...               index=pd.period_range("2015", periods=8, freq="Y"))
        >>> print(auto_forecast(y, horizon=2).summary())  # doctest: +ELLIPSIS
        Forecast of 2 period(s) from 2023 to 2024
        Model: ...
        """
        lines = [
            f"Forecast of {len(self.mean)} period(s) from {self.mean.index[0]} "
            f"to {self.mean.index[-1]}",
            f"Model: {self.model}",
            f"Fitted on: {'logarithms' if self.transform == 'log' else 'original values'}; "
            f"season length {self.season_length}",
        ]
        lines += [f"Note: {note}" for note in self.notes]
        lines.append("Backtest (rolling origin):")
        lines.append(self.backtest.to_string())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"ForecastResult(model={self.model!r}, horizon={len(self.mean)}, "
            f"levels={self.levels}, transform={self.transform!r})"
        )


@dataclass(frozen=True)
class FullYearProjection:
    """The outcome of :func:`project_full_year`.

    Attributes
    ----------
    year : int
        The calendar year projected.
    months_observed : int
        Months of the year already in the data (0 to 12).
    last_observed : pandas.Period or None
        The last observed month of that year, ``None`` when none is.
    ytd_total : float
        Sum of the observed months of the year.
    total : float
        Projected full-year total: observed months plus the forecast mean of the rest.
    intervals : dict
        ``{level: (lower, upper)}`` for the full-year total.
    ytd_share : float
        ``ytd_total / total``, the share of the year already observed.
    forecast : ForecastResult or None
        The forecast of the remaining months, ``None`` when the year is complete.
    """

    year: int
    months_observed: int
    last_observed: pd.Period | None
    ytd_total: float
    total: float
    intervals: dict
    ytd_share: float
    forecast: ForecastResult | None

    def to_frame(self) -> pd.DataFrame:
        """Return the projection as a one-row frame, indexed by year.

        Returns
        -------
        pandas.DataFrame
            Columns ``months_observed``, ``ytd_total``, ``total``, ``lower_<level>``,
            ``upper_<level>``, ``ytd_share`` and ``model``.

        Examples
        --------
        >>> import pandas as pd
        >>> y = pd.Series(100.0, index=pd.period_range("2020-01", "2023-04", freq="M"))
        >>> row = project_full_year(y, 2023).to_frame()
        >>> row[["months_observed", "ytd_total", "total"]]
              months_observed  ytd_total   total
        year
        2023                4      400.0  1200.0
        """
        row = {
            "months_observed": self.months_observed,
            "ytd_total": self.ytd_total,
            "total": self.total,
        }
        for level, (lower, upper) in self.intervals.items():
            row[f"lower_{level}"] = lower
            row[f"upper_{level}"] = upper
        row["ytd_share"] = self.ytd_share
        row["model"] = self.forecast.model if self.forecast is not None else "observed"
        return pd.DataFrame([row], index=pd.Index([self.year], name="year"))

    def __repr__(self) -> str:
        bounds = ", ".join(
            f"{level}%: {lower:,.0f} to {upper:,.0f}"
            for level, (lower, upper) in self.intervals.items()
        )
        return (
            f"FullYearProjection(year={self.year}, months_observed={self.months_observed}, "
            f"ytd_total={self.ytd_total:,.0f}, total={self.total:,.0f} ({bounds}), "
            f"ytd_share={self.ytd_share:.3f})"
        )


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Series:
    """A validated input: values, its periods and how to build the future index."""

    values: np.ndarray
    periods: pd.PeriodIndex
    datetime_freq: object  # the DatetimeIndex frequency to give back, or None
    base_freq: str

    def future_index(self, horizon: int) -> pd.Index:
        future = pd.period_range(self.periods[-1] + 1, periods=horizon, freq=self.periods.freq)
        if self.datetime_freq is None:
            return future
        last = self.periods[-1].to_timestamp(how="start")
        stamps = pd.date_range(last, periods=horizon + 1, freq=self.datetime_freq)
        if stamps[0] != last:  # an end-anchored frequency such as month end
            last = self.periods[-1].to_timestamp(how="end").normalize()
            stamps = pd.date_range(last, periods=horizon + 1, freq=self.datetime_freq)
        return stamps[1:]


def _base_freq(periods: pd.PeriodIndex) -> str:
    return periods.freqstr.split("-")[0].upper()


def _validate_series(y, *, name: str = "y") -> _Series:
    if not isinstance(y, pd.Series):
        raise ParameterError(
            f"{name} must be a pandas Series indexed by periods, got {type(y).__name__}; "
            f"build one with pd.Series(values, index=pd.period_range(...))"
        )
    index = y.index
    datetime_freq = None
    if isinstance(index, pd.DatetimeIndex):
        freq = index.freq
        if freq is None and len(index) >= 3:
            inferred = pd.infer_freq(index)
            freq = pd.tseries.frequencies.to_offset(inferred) if inferred else None
        if freq is None:
            raise ParameterError(
                f"{name} has a DatetimeIndex without a frequency; give it one "
                f"(e.g. {name}.asfreq('MS')) or use a PeriodIndex ({name}.to_period('M'))"
            )
        datetime_freq = freq
        with warnings.catch_warnings():
            # to_period warns that a month-start anchor is dropped; that is what we want
            warnings.simplefilter("ignore")
            periods = pd.DatetimeIndex(index, freq=freq).to_period()
    elif isinstance(index, pd.PeriodIndex):
        periods = index
    else:
        raise ParameterError(
            f"{name} must be indexed by a PeriodIndex or a DatetimeIndex with a frequency, "
            f"got {type(index).__name__}; use pd.period_range(...) as the index"
        )
    if not pd.api.types.is_numeric_dtype(y.dtype) or pd.api.types.is_bool_dtype(y.dtype):
        raise ParameterError(
            f"{name} must hold numbers, got dtype {y.dtype}; convert it with pd.to_numeric({name})"
        )
    if periods.has_duplicates:
        dup = periods[periods.duplicated()].unique()
        raise ParameterError(
            f"{name} has duplicate periods: {', '.join(str(p) for p in dup[:5])}; "
            f"aggregate or drop them first"
        )
    order = np.argsort(periods.asi8, kind="stable")
    periods = periods[order]
    values = y.to_numpy(dtype="float64", na_value=np.nan)[order]
    full = pd.period_range(periods[0], periods[-1], freq=periods.freq)
    if len(full) != len(periods):
        missing = full.difference(periods)
        raise ParameterError(
            f"{name} has missing periods inside the series: "
            f"{', '.join(str(p) for p in missing[:5])}"
            f"{' ...' if len(missing) > 5 else ''}; fill them (or cut the series) first"
        )
    bad = ~np.isfinite(values)
    if bad.any():
        where = ", ".join(str(p) for p in periods[bad][:5])
        raise ParameterError(
            f"{name} has missing or infinite values at {where}; fill inner gaps or cut the "
            f"series so that it holds finite numbers only"
        )
    if len(values) < MIN_OBSERVATIONS:
        raise ParameterError(
            f"{name} has {len(values)} observation(s); at least {MIN_OBSERVATIONS} are "
            f"needed to forecast"
        )
    return _Series(values, periods, datetime_freq, _base_freq(periods))


def _validate_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _validate_levels(levels) -> tuple:
    try:
        levels = tuple(levels)
    except TypeError:
        levels = (levels,)
    ok = len(levels) > 0 and all(
        isinstance(lv, (int, float, np.integer, np.floating))
        and not isinstance(lv, bool)
        and 0 < lv < 100
        for lv in levels
    )
    if not ok:
        raise ParameterError(
            f"levels must be numbers between 0 and 100 (exclusive), e.g. (80, 95); got {levels!r}"
        )
    return tuple(sorted({int(lv) if float(lv).is_integer() else float(lv) for lv in levels}))


def _season_length(series: _Series, season_length) -> int:
    if season_length is None:
        if series.base_freq not in SEASON_LENGTHS:
            raise ParameterError(
                f"cannot infer season_length from frequency {series.periods.freqstr!r}; "
                f"pass season_length=..."
            )
        return SEASON_LENGTHS[series.base_freq]
    return _validate_int(season_length, "season_length", 1)


def _transform_for(values: np.ndarray, transform, name: str = "y") -> str:
    if transform not in ("auto", "log", "none", None):
        raise ParameterError(f"transform must be 'auto', 'log' or None, got {transform!r}")
    if transform == "log":
        bad = values <= 0
        if bad.any():
            raise ParameterError(
                f"transform='log' needs positive values, but {name} has {int(bad.sum())} "
                f"value(s) <= 0; use transform=None"
            )
        return "log"
    if transform == "auto":
        return "log" if (values > 0).all() else "none"
    return "none"


# --------------------------------------------------------------------------------------
# Candidate models (all work on the transformed scale z)
# --------------------------------------------------------------------------------------


@dataclass
class _Forecast:
    """One candidate's forecast on the transformed scale."""

    mean: np.ndarray
    bounds: dict  # level -> (lower, upper)
    spec: str
    converged: bool = True


def _alpha(level) -> float:
    return 1 - level / 100


def _normal_bounds(mean, sd, levels, df=None) -> dict:
    out = {}
    for level in levels:
        q = 1 - _alpha(level) / 2
        z = stats.t.ppf(q, df) if df is not None and df < 30 else stats.norm.ppf(q)
        out[level] = (mean - z * sd, mean + z * sd)
    return out


def _residual_sd(residuals: np.ndarray) -> tuple[float, int]:
    residuals = residuals[np.isfinite(residuals)]
    if len(residuals) == 0:
        return 0.0, 1
    return float(np.sqrt(np.mean(residuals**2))), len(residuals)


def _naive(z, h, levels, m) -> _Forecast:
    # Random walk: sd grows with the square root of the horizon (Hyndman & Athanasopoulos,
    # Forecasting: Principles and Practice, 3rd ed., section 5.5).
    sd, df = _residual_sd(np.diff(z))
    steps = np.arange(1, h + 1)
    mean = np.full(h, z[-1])
    return _Forecast(mean, _normal_bounds(mean, sd * np.sqrt(steps), levels, df), "naive")


def _snaive(z, h, levels, m) -> _Forecast:
    sd, df = _residual_sd(z[m:] - z[:-m])
    steps = np.arange(h)
    mean = z[-m:][steps % m]
    full_seasons = steps // m + 1
    return _Forecast(
        mean, _normal_bounds(mean, sd * np.sqrt(full_seasons), levels, df), f"SNaive[{m}]"
    )


def _drift(z, h, levels, m) -> _Forecast:
    n = len(z)
    slope = (z[-1] - z[0]) / (n - 1)
    sd, df = _residual_sd(np.diff(z) - slope)
    steps = np.arange(1, h + 1)
    mean = z[-1] + slope * steps
    sd_h = sd * np.sqrt(steps * (1 + steps / (n - 1)))
    return _Forecast(mean, _normal_bounds(mean, sd_h, levels, df), "drift")


def _ets_spec_name(error, trend, damped, seasonal) -> str:
    letter = {None: "N", "add": "A", "mul": "M"}
    t = letter[trend] + ("d" if damped else "")
    return f"ETS({letter[error]},{t},{letter[seasonal]})"


def _ets_configs(n, m, seasonal_ok, errors) -> list:
    configs = []
    for error in errors:
        for trend, damped in ((None, False), ("add", False), ("add", True)):
            for seasonal in (None, "add") if seasonal_ok else (None,):
                # parameters: smoothing weights, phi, and the initial states
                k = 2 + (2 if trend else 0) + (1 if damped else 0)
                k += m if seasonal else 0
                if n >= k + 3 and (trend is None or n >= 6):
                    configs.append((error, trend, damped, seasonal))
    return configs


def _fit_ets_config(z, m, config, *, seasonal_ok):
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    error, trend, damped, seasonal = config
    n = len(z)
    heuristic = n >= 10 and (not seasonal or n >= max(2 * m, 10 + 2 * (m // 2)))
    model = ETSModel(
        pd.Series(z),
        error=error,
        trend=trend,
        damped_trend=damped,
        seasonal=seasonal,
        seasonal_periods=m if seasonal else None,
        initialization_method="heuristic" if heuristic else "estimated",
    )
    # the AICc search fits configurations that do not suit the series; their optimiser
    # may stop early, which the backtest table reports, so statsmodels' warning is noise
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(disp=False)


def _ets_forecast(res, n, h, levels, spec) -> _Forecast:
    # Additive-error models have closed-form variances; multiplicative ones are simulated
    # with a fixed seed so that the same input always gives the same intervals.
    pred = res.get_prediction(start=n, end=n + h - 1, random_state=0)
    bounds = {}
    for level in levels:
        frame = pred.summary_frame(alpha=_alpha(level))
        bounds[level] = (frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy())
    mean = np.asarray(pred.predicted_mean, dtype=float)
    converged = bool(res.mle_retvals.get("converged", True)) if res.mle_retvals else True
    return _Forecast(mean, bounds, spec, converged)


def _ets(z, h, levels, m, *, spec=None, seasonal_ok=True, errors=("add",)):
    """Fit ETS; with ``spec`` None choose the configuration by AICc, else refit ``spec``."""
    n = len(z)
    if spec is None:
        best = None
        for config in _ets_configs(n, m, seasonal_ok, errors):
            try:
                res = _fit_ets_config(z, m, config, seasonal_ok=seasonal_ok)
            except (ValueError, np.linalg.LinAlgError):
                continue
            aicc = res.aicc
            if np.isfinite(aicc) and (best is None or aicc < best[0]):
                best = (aicc, config, res)
        if best is None:
            raise ValueError("no ETS configuration could be estimated")
        _, config, res = best
    else:
        config = spec
        res = _fit_ets_config(z, m, config, seasonal_ok=seasonal_ok)
    forecast = _ets_forecast(res, n, h, levels, _ets_spec_name(*config))
    return forecast, config


def _seasonal_strength(z, m) -> float:
    from statsmodels.tsa.seasonal import STL

    fit = STL(z, period=m).fit()
    remainder = fit.resid
    var_r = np.var(remainder)
    var_sr = np.var(fit.seasonal + remainder)
    return 0.0 if var_sr == 0 else max(0.0, 1 - var_r / var_sr)


def _arima_differences(z, m, seasonal_ok) -> tuple[int, int]:
    from statsmodels.tsa.stattools import kpss

    seasonal_diff = 0
    if seasonal_ok and m > 1 and len(z) >= 2 * m + 10:
        if _seasonal_strength(z, m) >= SEASONAL_STRENGTH_THRESHOLD:
            seasonal_diff = 1
    w = z[m:] - z[:-m] if seasonal_diff else z
    diff = 0
    if len(w) >= 8 and np.ptp(w) > 0:
        p_value = kpss(w, regression="c", nlags="auto")[1]
        diff = int(p_value < 0.05)
    return diff, seasonal_diff


def _arima_name(order, seasonal_order, const) -> str:
    p, d, q = order
    name = f"ARIMA({p},{d},{q})"
    if seasonal_order[3] > 1 and any(seasonal_order[:3]):
        P, D, Q, s = seasonal_order
        name += f"({P},{D},{Q})[{s}]"
    if const:
        name += " with drift" if d + seasonal_order[1] == 1 else " with mean"
    return name


def _fit_sarimax(z, order, seasonal_order, const, start_params=None):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    # Estimating on the differenced series (simple differencing) is several times faster
    # than the full state space; the forecasts then come from the undifferenced model run
    # with the same parameters, which gives proper integrated forecast variances.
    kwargs = dict(
        order=order,
        seasonal_order=seasonal_order,
        trend="c" if const else "n",
        concentrate_scale=True,
    )
    est = SARIMAX(z, simple_differencing=True, **kwargs)
    res = est.fit(disp=False, start_params=start_params)
    return res, SARIMAX(z, **kwargs)


def _arima_filtered_forecast(res, h, levels, spec, converged=True) -> _Forecast:
    pred = res.get_forecast(h)
    mean = np.asarray(pred.predicted_mean, dtype=float)
    bounds = {}
    for level in levels:
        ci = np.asarray(pred.conf_int(alpha=_alpha(level)), dtype=float)
        bounds[level] = (ci[:, 0], ci[:, 1])
    return _Forecast(mean, bounds, spec, converged)


def _arima_forecast(fit, full_model, h, levels, spec) -> _Forecast:
    converged = bool(fit.mle_retvals.get("converged", True)) if fit.mle_retvals else True
    return _arima_filtered_forecast(full_model.filter(fit.params), h, levels, spec, converged)


def _arima(z, h, levels, m, *, spec=None, seasonal_ok=True):
    """Fit SARIMAX; with ``spec`` None search the orders of ``ARIMA_ORDERS`` by AICc.

    ``spec`` is ``(order, seasonal_order, const, params)``; the parameters estimated on
    the whole series start the optimiser when the model is refitted at a backtest
    origin, which needs a few iterations instead of dozens.
    """
    n = len(z)
    if spec is None:
        d, D = _arima_differences(z, m, seasonal_ok)
        seasonal_order = (0, D, D, m) if D else (0, 0, 0, 0)
        usable = n - d - D * m
        if usable < 6:
            raise ValueError("too short for ARIMA")
        const = d + D <= 1
        best = None
        search = SEASONAL_ARIMA_ORDERS if D else ARIMA_ORDERS
        orders = [o for o in search if sum(o) + const + D + 3 <= usable]
        orders = orders or [(0, 0)]
        for p, q in orders:
            order = (p, d, q)
            try:
                fit, full = _fit_sarimax(z, order, seasonal_order, const)
            except (ValueError, np.linalg.LinAlgError):
                continue
            k = p + q + D + const + 1
            aicc = fit.aic + 2 * k * (k + 1) / max(fit.nobs - k - 1, 1)
            if np.isfinite(aicc) and (best is None or aicc < best[0]):
                best = (aicc, (order, seasonal_order, const), fit, full)
        if best is None:
            raise ValueError("no ARIMA order could be estimated")
        if d + D == 1:  # a drift is kept only if it pays for itself, as in auto.arima
            order, seasonal_order, _ = best[1]
            try:
                start = np.asarray(best[2].params)[1:]
                fit, full = _fit_sarimax(z, order, seasonal_order, False, start)
                k = order[0] + order[2] + D + 1
                aicc = fit.aic + 2 * k * (k + 1) / max(fit.nobs - k - 1, 1)
                if np.isfinite(aicc) and aicc < best[0]:
                    best = (aicc, (order, seasonal_order, False), fit, full)
            except (ValueError, np.linalg.LinAlgError):
                pass
        _, (order, seasonal_order, const), fit, full = best
        spec = (order, seasonal_order, const, np.asarray(fit.params))
    else:
        # at a backtest origin the parameters estimated on the whole series are applied
        # to the data before the origin (a Kalman filter run, no estimation): a refit at
        # every origin cost more than all other candidates together
        order, seasonal_order, const, params = spec
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        model = SARIMAX(
            z,
            order=order,
            seasonal_order=seasonal_order,
            trend="c" if const else "n",
            concentrate_scale=True,
        )
        res = model.filter(params)
        return _arima_filtered_forecast(res, h, levels, _arima_name(*spec[:3])), spec
    return _arima_forecast(fit, full, h, levels, _arima_name(*spec[:3])), spec


def _theta(z, h, levels, m, *, spec=None, seasonal_ok=True, transform="log"):
    from statsmodels.tsa.forecasting.theta import ThetaModel

    if np.ptp(z) <= 1e-9 * max(float(np.mean(np.abs(z))), 1e-12):
        # A series that does not change: statsmodels' SES step has no variance to estimate
        # and its forecast runs away (100 forecast as 6,400 three years on); the Theta
        # forecast of a constant is that constant.
        mean = np.full(h, float(z[-1]))
        return _Forecast(mean, _normal_bounds(mean, np.zeros(h), levels), "Theta"), None
    deseasonalize = bool(seasonal_ok and m > 1 and len(z) >= 2 * m)
    method = "additive" if transform == "log" or (z <= 0).any() else "multiplicative"
    model = ThetaModel(
        z,
        period=m if deseasonalize else 1,
        deseasonalize=deseasonalize,
        method=method,
    )
    res = model.fit()
    # one call gives the mean and the 95% bounds; the documented variance of the Theta
    # forecast is normal, so every other level follows from the same standard deviation
    frame = res.prediction_intervals(h, alpha=0.05)
    lower, upper = frame["lower"].to_numpy(), frame["upper"].to_numpy()
    mean = (lower + upper) / 2
    sd = (upper - lower) / (2 * stats.norm.ppf(0.975))
    bounds = _normal_bounds(mean, sd, levels)
    return _Forecast(mean, bounds, "Theta"), None


def _combine(forecasts: list[_Forecast], levels, how="mean") -> _Forecast:
    # The point forecast is the members' mean (or their point-wise median). Each side of
    # the interval is the median of the members' distances from their own point
    # forecast, laid around the combined point forecast: the interval stays ordered and
    # nested, and one member with a badly calibrated interval (statsmodels' Theta
    # variance is estimated on the series before deseasonalising, so it is far too wide
    # for seasonal series) does not dominate. With two members the median is their mean.
    mean = (np.median if how == "median" else np.mean)([f.mean for f in forecasts], axis=0)
    bounds = {}
    for level in levels:
        below = np.median([f.mean - f.bounds[level][0] for f in forecasts], axis=0)
        above = np.median([f.bounds[level][1] - f.mean for f in forecasts], axis=0)
        bounds[level] = (mean - below, mean + above)
    spec = f"{how}(" + ", ".join(f.spec for f in forecasts) + ")"
    return _Forecast(mean, bounds, spec, all(f.converged for f in forecasts))


def _combination_keys(available) -> list[str]:
    families = [f for f in COMBINED_FAMILIES if f in available]
    keys = []
    for size in range(len(families), 1, -1):
        keys += ["+".join(c) for c in combinations(families, size)]
    if len(_median_members(available)) >= 3:
        keys.append(MEDIAN)
    return keys


def _median_members(available) -> list[str]:
    # the seasonal naive forecast is only a candidate for seasonal series; for the others
    # the naive forecast (the seasonal naive one of period 1) takes its place
    baseline = "snaive" if "snaive" in available else "naive"
    return [k for k in (*COMBINED_FAMILIES, baseline) if k in available]


def _combination(key, forecasts: dict, levels) -> _Forecast | None:
    """Build combination ``key`` from base forecasts; None when a member is missing."""
    if key == MEDIAN:
        members = _median_members(forecasts)
        if len(members) < 3:
            return None
        return _combine([forecasts[k] for k in members], levels, how="median")
    members = key.split("+")
    if not all(k in forecasts for k in members):
        return None
    return _combine([forecasts[k] for k in members], levels)


# --------------------------------------------------------------------------------------
# Fitting all candidates and backtesting them
# --------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """What can be estimated on a series of this length, decided once."""

    m: int
    seasonal_ok: bool
    transform: str
    errors: tuple
    notes: list


def _plan(values, m, transform) -> _Plan:
    n = len(values)
    notes = []
    seasonal_ok = m > 1 and n >= 2 * m
    if m > 1 and not seasonal_ok:
        notes.append(
            f"{n} observations are fewer than two full seasons ({2 * m}); "
            f"no seasonal model was fitted"
        )
    errors = ("add",)
    if transform == "none" and (values > 0).all():
        errors = ("add", "mul")
    return _Plan(m, seasonal_ok, transform, errors, notes)


def _fit_candidate(key, z, h, levels, plan, spec=None):
    """Fit one base candidate on ``z``; return (forecast, spec) or raise."""
    m = plan.m
    if key == "naive":
        return _naive(z, h, levels, m), None
    if key == "snaive":
        return _snaive(z, h, levels, m), None
    if key == "drift":
        return _drift(z, h, levels, m), None
    if key == "ets":
        return _ets(z, h, levels, m, spec=spec, seasonal_ok=plan.seasonal_ok, errors=plan.errors)
    if key == "arima":
        return _arima(z, h, levels, m, spec=spec, seasonal_ok=plan.seasonal_ok)
    if key == "theta":
        return _theta(z, h, levels, m, seasonal_ok=plan.seasonal_ok, transform=plan.transform)
    raise AssertionError(key)


def _candidate_allowed(key, n, plan) -> bool:
    if key == "snaive":
        return plan.seasonal_ok
    if key in ("ets", "theta"):
        return n >= 5
    if key == "arima":
        return n >= 8
    return True


def _quiet_fit(key, z, h, levels, plan, spec=None):
    """Fit a candidate with statsmodels' warnings silenced; return (forecast, spec, error)."""
    # statsmodels warns about non-convergence, non-invertible starting values and the
    # like for individual fits. A poorly fitted candidate is judged by its backtest score
    # and failures are recorded in the backtest table, so the warnings would only be
    # noise in an economist's notebook.
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            forecast, spec = _fit_candidate(key, z, h, levels, plan, spec)
        except (ValueError, np.linalg.LinAlgError, IndexError, ZeroDivisionError) as exc:
            return None, spec, f"{type(exc).__name__}: {exc}"
    ok = np.isfinite(forecast.mean).all() and all(
        np.isfinite(lo).all() and np.isfinite(hi).all() for lo, hi in forecast.bounds.values()
    )
    if not ok:
        return None, spec, "non-finite forecasts"
    return forecast, spec, None


def _to_scale(values, transform):
    return np.log(values) if transform == "log" else values


def _from_scale(values, transform):
    return np.exp(values) if transform == "log" else values


def _mase_scale(train: np.ndarray, m: int) -> float:
    """The in-sample mean absolute error of the seasonal naive forecast; NaN when zero.

    MASE divides by this error, so it is undefined when the training window does not
    change at the seasonal lag (Hyndman & Koehler 2006): a constant, or a pattern
    repeated exactly. Differences below ``NO_CHANGE_TOLERANCE`` of the level count as
    no change, so that rounding in the data does not produce MASE values of 1e10.
    """
    lag = m if len(train) > m else 1
    if len(train) <= lag:
        return np.nan
    scale = float(np.mean(np.abs(train[lag:] - train[:-lag])))
    level = float(np.mean(np.abs(train)))
    return scale if scale > NO_CHANGE_TOLERANCE * level else np.nan


def _no_change_reason(train: np.ndarray, *, window: str = "the training window") -> str:
    """Why MASE is undefined on a training window, in words an economist reads."""
    level = float(np.mean(np.abs(train)))
    if np.ptp(train) > NO_CHANGE_TOLERANCE * level:
        return (
            f"the series repeats exactly the same seasonal pattern over {window}, so the "
            "seasonal naive forecast it is measured against makes no error"
        )
    return f"the series does not change over {window}"


def _smape(actual, forecast) -> np.ndarray:
    denom = np.abs(actual) + np.abs(forecast)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 200 * np.abs(actual - forecast) / denom
    return np.where(denom == 0, 0.0, out)


def _origins(n, horizon, n_origins, min_train) -> tuple[int, list[int]]:
    h_b = min(horizon, n - min_train)
    if h_b < 1 or n_origins < 1:
        return 0, []
    step = max(1, h_b // 2)
    origins = [n - h_b - i * step for i in range(n_origins)]
    return h_b, sorted(o for o in origins if o >= min_train)


@dataclass
class _Evaluation:
    """Everything auto_forecast and backtest compute for one series."""

    table: pd.DataFrame
    final: dict  # key -> _Forecast on the full series (transformed scale)
    errors_z: dict  # key -> array (origins x h_b) of errors on the transformed scale
    notes: list
    h_b: int


def _evaluate(values, horizon, levels, plan, n_origins) -> _Evaluation:
    n = len(values)
    z = _to_scale(values, plan.transform)
    m = plan.m
    notes = list(plan.notes)
    final, specs, failures = {}, {}, {}
    for key in BASE_CANDIDATES:
        if not _candidate_allowed(key, n, plan):
            continue
        forecast, spec, error = _quiet_fit(key, z, horizon, levels, plan)
        if forecast is None:
            failures[key] = error
        else:
            final[key] = forecast
            specs[key] = spec
    members = {}
    for key in _combination_keys(final):
        combined = _combination(key, final, levels)
        members[key] = _median_members(final) if key == MEDIAN else key.split("+")
        final[key] = combined

    min_train = max(2 * m if plan.seasonal_ok else 0, 5 if n >= 10 else 3)
    h_b, origins = _origins(n, horizon, n_origins, min_train)
    if not origins:
        notes.append(
            f"the series is too short for a backtest ({n} observations); "
            f"the choice falls back to the naive forecast"
        )
    records = {key: [] for key in final}
    origin_failures = {key: 0 for key in final}
    no_change = []  # training windows without change (MASE undefined there)
    for origin in origins:
        train = values[:origin]
        actual = values[origin : origin + h_b]
        scale = _mase_scale(train, m)
        if not np.isfinite(scale):
            no_change.append(train)
        sub_plan = _plan(train, m, plan.transform)
        sub_plan.seasonal_ok = plan.seasonal_ok and sub_plan.seasonal_ok
        z_train = z[:origin]
        per_origin = {}
        for key in BASE_CANDIDATES:
            if key not in final:
                continue
            forecast, _, error = _quiet_fit(key, z_train, h_b, levels, sub_plan, specs[key])
            if forecast is None:
                origin_failures[key] += 1
            else:
                per_origin[key] = forecast
        for key, keys in members.items():
            if all(k in per_origin for k in keys):
                available = {k: per_origin[k] for k in keys}
                per_origin[key] = _combination(key, available, levels)
            else:
                origin_failures[key] += 1
        for key, forecast in per_origin.items():
            mean = _from_scale(forecast.mean, plan.transform)
            # the log round trip moves a bound by rounding; an exact forecast with an
            # interval of no width (a constant series) still holds what happened
            slack = NO_CHANGE_TOLERANCE * np.abs(actual)
            covered = {
                level: (
                    (_from_scale(lo, plan.transform) - slack <= actual)
                    & (actual <= _from_scale(hi, plan.transform) + slack)
                )
                for level, (lo, hi) in forecast.bounds.items()
            }
            records[key].append(
                {
                    "mase": float(np.mean(np.abs(actual - mean)) / scale),  # NaN without change
                    "smape": float(np.mean(_smape(actual, mean))),
                    "coverage": {lv: float(np.mean(c)) for lv, c in covered.items()},
                    "error_z": _to_scale(actual, plan.transform) - forecast.mean,
                    "sd_z": _implied_sd(forecast, levels),
                }
            )

    if origins and len(no_change) == len(origins):
        windows = "the training window of every backtest origin"
        notes.append(
            "MASE (the error relative to that of the naive forecast) is undefined for "
            f"this series: {_no_change_reason(no_change[0], window=windows)}; the backtest "
            "compares the models by sMAPE instead, and the intervals are the models' own, "
            "not calibrated on the backtest"
        )
    rows, errors_z = [], {}
    for key in [*BASE_CANDIDATES, *_combination_keys(final)]:
        row = {"candidate": key}
        if key in final:
            row["model"] = final[key].spec
            recs = records[key] if origin_failures[key] == 0 else []
            # origins whose training window does not change give no MASE and no
            # calibration: their models claim (almost) no spread, so neither the error
            # scaled by the naive one nor the error over the claimed spread means anything
            scaled = [r for r in recs if np.isfinite(r["mase"])]
            row["mase"] = float(np.mean([r["mase"] for r in scaled])) if scaled else np.nan
            row["smape"] = float(np.mean([r["smape"] for r in recs])) if recs else np.nan
            for level in levels:
                row[f"coverage_{level}"] = (
                    float(np.mean([r["coverage"][level] for r in recs])) if recs else np.nan
                )
            row["origins"] = len(recs)
            note = []
            if origin_failures[key]:
                note.append(f"failed at {origin_failures[key]} of {len(origins)} origin(s)")
            elif recs and not scaled:
                note.append(
                    f"MASE undefined: {_no_change_reason(no_change[0])}; intervals not "
                    "calibrated on the backtest"
                )
            elif len(scaled) < len(recs):
                others = len(recs) - len(scaled)
                note.append(
                    f"MASE and interval calibration from {len(scaled)} of {len(recs)} "
                    f"origins; at the other {_plural(others, 'origin')} "
                    f"{_no_change_reason(no_change[0])}"
                )
            if not final[key].converged:
                note.append("optimiser did not converge on the full series")
            row["note"] = "; ".join(note)
            row["interval_scale"] = 1.0
            if recs:
                errors_z[key] = np.vstack([r["error_z"] for r in recs])
            if scaled:
                row["interval_scale"] = _interval_scale(
                    np.vstack([r["error_z"] for r in scaled]),
                    np.vstack([r["sd_z"] for r in scaled]),
                )
        elif key in failures:
            row.update(model="", mase=np.nan, smape=np.nan, origins=0, interval_scale=np.nan)
            row.update({f"coverage_{level}": np.nan for level in levels})
            row["note"] = f"could not be fitted ({failures[key]})"
        else:
            continue  # not applicable to a series like this one
        rows.append(row)
    columns = ["candidate", "model", "mase", "smape", *[f"coverage_{lv}" for lv in levels]]
    table = pd.DataFrame(rows, columns=[*columns, "interval_scale", "origins", "note"])
    table["origins"] = table["origins"].astype("int64")
    scales = table.set_index("candidate")["interval_scale"]
    final = {key: _rescale(f, scales.get(key, 1.0)) for key, f in final.items()}
    return _Evaluation(table, final, errors_z, notes, h_b)


def _plural(n: int, noun: str) -> str:
    return noun if n == 1 else f"{n} {noun}s"


def _implied_sd(forecast: _Forecast, levels) -> np.ndarray:
    """The forecast standard deviation implied by the widest interval (normal)."""
    widest = max(levels)
    lower, upper = forecast.bounds[widest]
    return (upper - lower) / (2 * stats.norm.ppf(1 - _alpha(widest) / 2))


def _interval_scale(errors: np.ndarray, sds: np.ndarray) -> float:
    """Factor by which a candidate's intervals are widened or narrowed (see the docs).

    The backtest errors divided by the standard deviation the model claimed for them
    should be standard normal, with median absolute value 0.6745. The factor is the
    observed median absolute value over 0.6745 (robust to the one bad origin that would
    dominate a mean square), pulled towards 1 on the log scale with a prior worth one
    origin's errors (``CALIBRATION_PRIOR``), because errors from a few origins,
    correlated across horizons, are a small sample.
    """
    ok = np.isfinite(errors) & np.isfinite(sds) & (sds > 0)
    if not ok.any():
        return 1.0
    ratio = float(np.median(np.abs(errors[ok] / sds[ok]))) / stats.norm.ppf(0.75)
    if ratio <= 0:  # exact forecasts at more than half the backtest points
        return 1.0
    n, prior = int(ok.sum()), CALIBRATION_PRIOR * errors.shape[1]
    return float(np.exp(n / (n + prior) * np.log(ratio)))


def _rescale(forecast: _Forecast, scale) -> _Forecast:
    if not np.isfinite(scale) or scale == 1.0:
        return forecast
    bounds = {
        level: (
            forecast.mean - scale * (forecast.mean - lo),
            forecast.mean + scale * (hi - forecast.mean),
        )
        for level, (lo, hi) in forecast.bounds.items()
    }
    return _Forecast(forecast.mean, bounds, forecast.spec, forecast.converged)


def _choose(table: pd.DataFrame, final: dict) -> str:
    """Pick the candidate to report from the backtest scores (rule in docs/forecast.md).

    The scores are MASE; when MASE is undefined at every origin (a series that does not
    change over the training windows), sMAPE, with values below ``SMAPE_EXACT`` counting
    as exact.
    """
    backtested = table[
        table["candidate"].isin(list(final)) & (table["origins"] > 0) & table["smape"].notna()
    ]
    if backtested.empty:
        return "naive"
    scored = backtested[backtested["mase"].notna()]
    if scored.empty:
        score = backtested.set_index("candidate")["smape"].clip(lower=SMAPE_EXACT)
    else:
        score = scored.set_index("candidate")["mase"]
    if MEDIAN not in score.index:  # fewer than three members could be assessed
        return str(score.idxmin())
    best = MEDIAN
    # a guard, not a selection: statsmodels' fits can break down on degenerate series (a
    # constant, a flat stretch) and drag a combination far off
    if score[best] > GUARD_RATIO * score.min():
        best = score.idxmin()
    return str(best)


def _backtest_bounds(forecast: _Forecast, errors: np.ndarray | None, levels, horizon):
    """Replace non-finite model bounds by bounds from backtest errors (normal, by horizon)."""
    if errors is None or errors.size == 0:
        return forecast.bounds
    rmse = np.sqrt(np.mean(errors**2, axis=0))
    rmse = np.maximum.accumulate(rmse)
    sd = np.concatenate([rmse, np.full(max(0, horizon - len(rmse)), rmse[-1])])[:horizon]
    return _normal_bounds(forecast.mean, sd, levels)


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def _back_transform(mean_z, bounds, levels, transform, index, *, clip, bias_adjust=False):
    """Return the mean Series and the interval frame on the original scale."""
    mean = _from_scale(mean_z, transform)
    if bias_adjust and transform == "log":
        widest = max(levels)
        z = stats.norm.ppf(1 - _alpha(widest) / 2)
        sd = (bounds[widest][1] - bounds[widest][0]) / (2 * z)
        mean = np.exp(mean_z + sd**2 / 2)
    columns = {}
    for level in levels:
        lower, upper = (_from_scale(b, transform) for b in bounds[level])
        columns[f"lower_{level}"] = np.maximum(lower, 0) if clip else lower
        columns[f"upper_{level}"] = np.maximum(upper, 0) if clip else upper
    if clip:
        mean = np.maximum(mean, 0)
    return pd.Series(mean, index=index, name="mean"), pd.DataFrame(columns, index=index)


def backtest(
    y: pd.Series,
    horizon: int = 12,
    *,
    season_length: int | None = None,
    levels=(80, 95),
    origins: int = 3,
    transform="auto",
) -> pd.DataFrame:
    """Score every forecasting candidate by rolling-origin backtesting on ``y``'s history.

    The model specifications (ETS configuration, ARIMA orders) are chosen once on the
    whole series; at each origin their parameters are re-estimated on the data up to
    the origin only and the next ``min(horizon, ...)`` periods are forecast.

    Parameters
    ----------
    y : pandas.Series
        Values indexed by a monthly, quarterly or annual PeriodIndex (or a DatetimeIndex
        with a frequency), without gaps or missing values.
    horizon : int, default 12
        Periods ahead; the backtest horizon is shortened when the series is short.
    season_length : int, optional
        Periods per seasonal cycle; by default 12 for months, 4 for quarters, 1 for years.
    levels : sequence of float, default (80, 95)
        Interval levels in percent whose empirical coverage is reported.
    origins : int, default 3
        Number of forecast origins, spaced half a backtest horizon apart.
    transform : {"auto", "log", None}, default "auto"
        ``"auto"`` models logarithms when every value is positive.

    Returns
    -------
    pandas.DataFrame
        One row per candidate (``candidate``, ``model``, ``mase``, ``smape``,
        ``coverage_<level>``, ``interval_scale``, ``origins``, ``note``) and the
        column ``chosen`` that marks the candidate :func:`auto_forecast` would pick.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> months = pd.period_range("2016-01", periods=72, freq="M")
    >>> season = 10 * np.sin(2 * np.pi * np.arange(72) / 12)
    >>> noise = np.random.default_rng(0).normal(0, 1, 72)
    >>> table = backtest(pd.Series(100 + season + noise, index=months), horizon=6)
    >>> mase = table.set_index("candidate")["mase"]
    >>> bool(mase["snaive"] < 2 < 5 < mase["naive"])
    True

    MASE is undefined where the training window does not change (Hyndman & Koehler
    2006); such rows have NaN and say why:

    >>> flat = backtest(pd.Series(5e6, index=months), horizon=6)
    >>> bool(flat["mase"].isna().all())
    True
    >>> print(flat.loc[0, "note"])
    MASE undefined: the series does not change over the training window; intervals not
    calibrated on the backtest
    """
    return auto_forecast(
        y,
        horizon,
        season_length=season_length,
        levels=levels,
        origins=origins,
        transform=transform,
    ).backtest


def auto_forecast(
    y: pd.Series,
    horizon: int = 12,
    *,
    season_length: int | None = None,
    levels=(80, 95),
    origins: int = 3,
    transform="auto",
    bias_adjust: bool = False,
) -> ForecastResult:
    """Forecast a series with a combination of models checked on its own history.

    Candidates: naive, seasonal naive, drift, ETS (statsmodels ``ETSModel``, the
    configuration chosen by AICc), ARIMA (statsmodels ``SARIMAX``, orders searched by
    AICc), Theta (statsmodels ``ThetaModel``), the equal-weight combinations of ETS,
    ARIMA and Theta, and the point-wise median of ETS, ARIMA, Theta and the seasonal
    naive forecast. Every candidate is scored by rolling-origin backtesting; the median
    combination is reported unless its backtest shows it broken, and the intervals are
    widened or narrowed by how well they held in the backtest. The full rule is in
    ``docs/forecast.md``.

    Parameters
    ----------
    y : pandas.Series
        Values indexed by a monthly, quarterly or annual PeriodIndex (or a DatetimeIndex
        with a frequency), at least 3 of them, without gaps or missing values.
    horizon : int, default 12
        Number of periods to forecast.
    season_length : int, optional
        Periods per seasonal cycle; by default 12 for months, 4 for quarters, 1 for years.
        Seasonal models need at least two full cycles of data.
    levels : sequence of float, default (80, 95)
        Prediction interval levels in percent.
    origins : int, default 3
        Number of rolling forecast origins in the backtest (0 skips it; the forecast is
        then the naive one).
    transform : {"auto", "log", None}, default "auto"
        ``"auto"`` fits logarithms when every value is positive, so that forecasts and
        lower bounds stay positive; ``"log"`` insists on it; ``None`` fits the values
        as they are (non-negative series then have forecasts and bounds clipped at 0).
    bias_adjust : bool, default False
        With a log model, return the mean of the back-transformed forecast
        distribution instead of its median (needed when forecasts are summed).

    Returns
    -------
    ForecastResult
        ``mean``, ``intervals``, ``model``, ``backtest`` and more; see
        :class:`ForecastResult`.

    Raises
    ------
    ParameterError
        When ``y`` is not a numeric series on a regular period index without gaps,
        has fewer than 3 values, or an option is out of range.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> months = pd.period_range("2018-01", periods=60, freq="M")
    >>> season = 1 + 0.2 * np.sin(2 * np.pi * np.arange(60) / 12)
    >>> y = pd.Series(1e6 * season * 1.01 ** np.arange(60), index=months)
    >>> res = auto_forecast(y, horizon=12)
    >>> res.mean.index[0], len(res.mean)
    (Period('2023-01', 'M'), 12)
    >>> bool((res.intervals["lower_95"] > 0).all())
    True
    """
    series = _validate_series(y)
    horizon = _validate_int(horizon, "horizon", 1)
    levels = _validate_levels(levels)
    m = _season_length(series, season_length)
    n_origins = _validate_int(origins, "origins", 0)
    if not isinstance(bias_adjust, bool):
        raise ParameterError(f"bias_adjust must be True or False, got {bias_adjust!r}")
    transform = _transform_for(series.values, transform)
    plan = _plan(series.values, m, transform)
    # Multi-threaded BLAS on matrices this small only adds contention; on a busy machine it
    # made single fits ten times slower, so the fits run with one BLAS thread.
    with threadpool_limits(limits=1, user_api="blas"):
        evaluation = _evaluate(series.values, horizon, levels, plan, n_origins)
    key = _choose(evaluation.table, evaluation.final)
    if key not in evaluation.final:
        key = "naive"
    chosen = evaluation.final[key]
    bounds = chosen.bounds
    notes = list(evaluation.notes)
    finite = all(np.isfinite(lo).all() and np.isfinite(hi).all() for lo, hi in bounds.values())
    if not finite:
        bounds = _backtest_bounds(chosen, evaluation.errors_z.get(key), levels, horizon)
        notes.append("the model gave no finite intervals; they come from backtest errors")

    clip = transform == "none" and bool((series.values >= 0).all())
    if clip:
        notes.append(
            "the series is non-negative but was modelled without logs; forecasts and "
            "bounds are clipped at 0"
        )
    index = series.future_index(horizon)
    mean, intervals = _back_transform(
        chosen.mean, bounds, levels, transform, index, clip=clip, bias_adjust=bias_adjust
    )
    candidates = {}
    for name, forecast in evaluation.final.items():
        cand_mean, cand_intervals = _back_transform(
            forecast.mean, forecast.bounds, levels, transform, index, clip=clip
        )
        candidates[name] = pd.concat([cand_mean, cand_intervals], axis=1)
    table = evaluation.table.copy()
    table["chosen"] = table["candidate"] == key
    forecasts = pd.DataFrame({k: frame["mean"] for k, frame in candidates.items()}, index=index)
    return ForecastResult(
        mean=mean,
        intervals=intervals,
        model=chosen.spec,
        backtest=table,
        forecasts=forecasts,
        candidates=candidates,
        candidate=key,
        transform=transform,
        season_length=m,
        levels=levels,
        notes=tuple(notes),
    )


def project_full_year(
    y_monthly: pd.Series,
    year: int,
    *,
    levels=(80, 95),
    as_of=None,
    origins: int = 3,
    transform="auto",
) -> FullYearProjection:
    """Project a calendar year's total from the months already published.

    The months of ``year`` that are in the data are summed; the remaining ones are
    forecast with :func:`auto_forecast` (with ``bias_adjust=True`` so that monthly
    means add up) and added. The interval of the total adds the monthly bounds, which is
    exact when the monthly forecast errors move together and otherwise errs on the wide
    side (see ``docs/forecast.md``).

    Parameters
    ----------
    y_monthly : pandas.Series
        Monthly values on a PeriodIndex (or a DatetimeIndex with a monthly frequency)
        that starts in or before January of ``year`` and has no gaps.
    year : int
        The calendar year to project. Months between the end of the data and January of
        ``year`` are forecast too but not counted.
    levels : sequence of float, default (80, 95)
        Interval levels in percent.
    as_of : str or pandas.Period, optional
        Use only the data up to this month, e.g. ``"2024-04"``, to see what would have
        been projected after that release.
    origins : int, default 3
        Backtest origins for :func:`auto_forecast`.
    transform : {"auto", "log", None}, default "auto"
        Passed to :func:`auto_forecast`.

    Returns
    -------
    FullYearProjection
        Year-to-date total, months observed, projected total with intervals, the
        year-to-date share and the forecast of the remaining months.

    Raises
    ------
    ParameterError
        When the series is not monthly, starts after January of ``year``, or ``as_of``
        is outside the data.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> months = pd.period_range("2019-01", "2024-04", freq="M")
    >>> season = 1 + 0.1 * np.cos(2 * np.pi * np.arange(len(months)) / 12)
    >>> y = pd.Series(5e9 * season, index=months)
    >>> p = project_full_year(y, 2024)
    >>> p.months_observed, round(p.total / 1e9, 1)
    (4, 60.0)
    >>> p.intervals[95][0] <= p.total <= p.intervals[95][1]
    True
    """
    series = _validate_series(y_monthly, name="y_monthly")
    if series.base_freq != "M":
        raise ParameterError(
            f"y_monthly must be monthly, got frequency {series.periods.freqstr!r}; "
            f"project_full_year needs months"
        )
    year = _validate_int(year, "year", 1)
    levels = _validate_levels(levels)
    values, periods = series.values, series.periods
    if as_of is not None:
        try:
            cut = pd.Period(as_of, freq="M")
        except (ValueError, TypeError) as exc:
            raise ParameterError(f"as_of must be a month such as '2024-04', got {as_of!r}") from exc
        if cut < periods[0]:
            raise ParameterError(
                f"as_of={str(cut)!r} is before the first month of y_monthly ({periods[0]})"
            )
        keep = periods <= cut
        values, periods = values[keep], periods[keep]
    january = pd.Period(year=year, month=1, freq="M")
    if periods[0] > january:
        raise ParameterError(
            f"y_monthly starts at {periods[0]}, after {january}; the year-to-date total of "
            f"{year} would be incomplete"
        )
    in_year = periods.year == year
    months_observed = int(in_year.sum())
    ytd_total = float(values[in_year].sum())
    last_observed = periods[in_year][-1] if months_observed else None
    december = pd.Period(year=year, month=12, freq="M")
    if periods[-1] >= december:
        return FullYearProjection(
            year=year,
            months_observed=12,
            last_observed=december,
            ytd_total=ytd_total,
            total=ytd_total,
            intervals={level: (ytd_total, ytd_total) for level in levels},
            ytd_share=1.0,
            forecast=None,
        )
    horizon = (december - periods[-1]).n
    result = auto_forecast(
        pd.Series(values, index=periods),
        horizon,
        levels=levels,
        origins=origins,
        transform=transform,
        bias_adjust=True,
    )
    rest = result.mean.index.year == year
    total = ytd_total + float(result.mean[rest].sum())
    intervals = {
        level: (
            ytd_total + float(result.intervals[f"lower_{level}"][rest].sum()),
            ytd_total + float(result.intervals[f"upper_{level}"][rest].sum()),
        )
        for level in levels
    }
    return FullYearProjection(
        year=year,
        months_observed=months_observed,
        last_observed=last_observed,
        ytd_total=ytd_total,
        total=total,
        intervals=intervals,
        ytd_share=ytd_total / total if total else float("nan"),
        forecast=result,
    )


def _as_timestamps(index: pd.Index) -> pd.Index:
    return index.to_timestamp() if isinstance(index, pd.PeriodIndex) else index


def _amount(value: float) -> str:
    """A US dollar amount in words a chart label can hold, e.g. ``1.51 bn USD``."""
    for scale, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:,.3g} {suffix} USD"
    return f"{value:,.3g} USD"


def plot_forecast(result: ForecastResult, *, history=None, clip=FAN_HEADROOM, ax=None, **kwargs):
    """Draw a forecast as a fan chart: history, point forecast and shaded intervals.

    A wide interval can reach many times further than anything observed (a 95% upper
    bound of 1.5 bn USD over a history of tens of millions) and would flatten the history
    against the axis. By default the y-axis therefore ends ``clip`` times the range of
    the history and the point forecast beyond that range; a band that runs off the chart
    is cut at its edge, and an arrow there names the period and the bounds off the chart
    with their values ("off the chart; in 2028: 95% upper bound 1.51 bn USD"). The
    intervals are drawn in full and ``result.intervals`` is unchanged: only the view is
    limited.

    Parameters
    ----------
    result : ForecastResult
        The output of :func:`auto_forecast`.
    history : pandas.Series, optional
        Observed values to draw before the forecast (e.g. the series that was forecast).
    clip : float or None, default 1.5
        How far beyond the range of the history and the point forecast the y-axis
        reaches, in multiples of that range; ``None`` shows every interval in full.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current axes by default.
    **kwargs
        Passed to ``Axes.plot`` for the point forecast line (``color``, ``label``, ...).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, pandas as pd
    >>> y = pd.Series([5.0, 6, 7, 6, 8, 9, 8, 10, 11, 10],
    ...               index=pd.period_range("2014", periods=10, freq="Y"))
    >>> fig, ax = plt.subplots()
    >>> ax = plot_forecast(auto_forecast(y, horizon=3), history=y, ax=ax)
    >>> len(ax.collections)  # one band per interval level
    2

    A bound far above the history is cut off and named:

    >>> years = pd.period_range("2024", periods=2, freq="Y")
    >>> wide = ForecastResult(
    ...     mean=pd.Series([10.0, 10.0], index=years),
    ...     intervals=pd.DataFrame({"lower_95": [5.0, 3.0], "upper_95": [40.0, 900.0]},
    ...                            index=years),
    ...     model="naive", backtest=pd.DataFrame(), forecasts=pd.DataFrame(),
    ...     candidates={}, candidate="naive", transform="log", season_length=1,
    ...     levels=(95,))
    >>> fig, ax = plt.subplots()
    >>> ax = plot_forecast(wide, history=y, ax=ax)
    >>> float(ax.get_ylim()[1])  # 11 + 1.5 * (11 - 5)
    20.0
    >>> print(ax.texts[0].get_text())
    off the chart; in 2025:
    95% upper bound 900 USD
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, ForecastResult):
        raise ParameterError(
            f"result must be a ForecastResult from auto_forecast, got {type(result).__name__}"
        )
    if clip is not None and (
        isinstance(clip, bool) or not isinstance(clip, (int, float)) or not clip > 0
    ):
        raise ParameterError(f"clip must be a positive number or None, got {clip!r}")
    if ax is None:
        ax = plt.gca()
    color = kwargs.pop("color", kwargs.pop("c", "C0"))
    label = kwargs.pop("label", f"forecast: {result.model}")
    x = _as_timestamps(result.mean.index)
    core = [result.mean.to_numpy(dtype=float)]
    if history is not None:
        if not isinstance(history, pd.Series):
            raise ParameterError(f"history must be a pandas Series, got {type(history).__name__}")
        core.append(history.to_numpy(dtype=float))
        ax.plot(_as_timestamps(history.index), history.to_numpy(), color="0.25", label="observed")
    # wider intervals first and lighter, so that the narrower ones sit on top
    for i, level in enumerate(sorted(result.levels, reverse=True)):
        ax.fill_between(
            x,
            result.intervals[f"lower_{level}"].to_numpy(),
            result.intervals[f"upper_{level}"].to_numpy(),
            color=color,
            alpha=0.15 + 0.15 * i,
            linewidth=0,
            label=f"{level}% interval",
        )
    ax.plot(x, result.mean.to_numpy(), color=color, label=label, **kwargs)
    if clip is not None:
        _clip_fan(ax, result, np.concatenate(core), x, clip)
    ax.legend()
    return ax


def _clip_fan(ax, result: ForecastResult, core: np.ndarray, x, clip: float) -> None:
    """Limit the y-axis to ``clip`` ranges around ``core`` and name the bounds cut off."""
    core = core[np.isfinite(core)]
    if core.size == 0:
        return
    low, high = float(core.min()), float(core.max())
    span = high - low or abs(high) or 1.0
    floor, ceiling = low - clip * span, high + clip * span
    bounds = result.intervals.to_numpy(dtype=float)
    bounds = bounds[np.isfinite(bounds)]
    drawn = np.concatenate([core, bounds])
    above, below = drawn.max() > ceiling, drawn.min() < floor
    if not (above or below):
        return
    shown = np.clip(drawn, floor, ceiling)
    margin = 0.05 * (shown.max() - shown.min())
    ax.set_ylim(
        floor if below else shown.min() - margin,
        ceiling if above else shown.max() + margin,
    )
    periods = result.mean.index
    # one label per edge and period, listing the bounds cut off there, widest first
    cut = {}
    for level in sorted(result.levels, reverse=True):
        for side, edge, column, pick in (
            ("upper", ceiling, f"upper_{level}", np.nanargmax),
            ("lower", floor, f"lower_{level}", np.nanargmin),
        ):
            values = result.intervals[column].to_numpy(dtype=float)
            i = int(pick(values))
            if (values[i] > edge) if side == "upper" else (values[i] < edge):
                cut.setdefault((side, i, edge), []).append(
                    f"{level}% {side} bound {_amount(values[i])}"
                )
    for (side, i, edge), names in cut.items():
        period = periods[i]
        when = str(period) if isinstance(periods, pd.PeriodIndex) else f"{period:%Y-%m-%d}"
        ax.annotate(
            "\n".join([f"off the chart; in {when}:", *names]),
            xy=(x[i], edge),
            xytext=(-24, -14 if side == "upper" else 14),
            textcoords="offset points",
            ha="right",
            va="top" if side == "upper" else "bottom",
            fontsize=8,
            color="0.2",
            arrowprops={
                "arrowstyle": "->",
                "color": "0.2",
                "linewidth": 0.8,
                "relpos": (1, 1) if side == "upper" else (1, 0),
            },
            annotation_clip=False,
        )
