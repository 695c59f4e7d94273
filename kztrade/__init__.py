"""kztrade: analyse Kazakhstan's foreign trade with tidy data, honest growth and forecasts.

The package loads and cleans trade statistics into one tidy schema
(:mod:`kztrade.schema`), ships curated public datasets (:mod:`kztrade.datasets`),
and computes the figures economists quote. It does not fetch data from the network.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kztrade")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
