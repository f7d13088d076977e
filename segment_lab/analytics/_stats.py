"""Small statistics of a backtest: Wilson intervals, the two-proportion z-test, BH q-values.

Plain Python on counts (``math`` only), so segment_lab needs no scipy or statsmodels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["Z95", "benjamini_hochberg", "ratio", "two_proportion_test", "wilson"]

#: The two-sided 95% quantile of the standard normal distribution.
Z95 = 1.959963984540054

NAN = float("nan")


def ratio(num: float, den: float) -> float:
    """``num / den``, NaN when ``den`` is 0 (never 0, never an error).

    Examples
    --------
    >>> ratio(1, 4), ratio(0, 0)
    (0.25, nan)
    """
    return num / den if den else NAN


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Return the Wilson score interval of ``successes / trials`` (NaN, NaN for 0 trials).

    Unlike the Wald interval it stays inside [0, 1] and is not empty at 0 or ``trials``
    successes.

    Examples
    --------
    Newcombe (1998), Table I:

    >>> [round(x, 4) for x in wilson(81, 263)]
    [0.2553, 0.3662]
    >>> [round(x, 4) for x in wilson(0, 20)]
    [0.0, 0.1611]
    """
    if not trials:
        return NAN, NAN
    p = successes / trials
    z2 = z * z
    den = 1 + z2 / trials
    center = (p + z2 / (2 * trials)) / den
    half = z / den * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return max(0.0, center - half), min(1.0, center + half)


def two_proportion_test(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """``(z, two-sided p)`` of the pooled two-proportion z-test of ``x1/n1`` against ``x2/n2``.

    NaN when a group is empty or the pooled proportion is 0 or 1 (no variance).

    Examples
    --------
    30/100 against 20/100 (the same as a chi-square test without continuity
    correction, chi2 = 2.667):

    >>> z, p = two_proportion_test(30, 100, 20, 100)
    >>> round(z, 4), round(p, 4)
    (1.633, 0.1025)
    """
    if not n1 or not n2:
        return NAN, NAN
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return NAN, NAN
    z = (x1 / n1 - x2 / n2) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def benjamini_hochberg(pvalues: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the order given.

    NaN p-values stay NaN and do not count among the tests (as R's ``p.adjust``).

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    [0.02, 0.04, 0.04, 0.02]
    """
    known = sorted((p, i) for i, p in enumerate(pvalues) if not math.isnan(p))
    m = len(known)
    out = [NAN] * len(pvalues)
    running = 1.0
    for rank in range(m, 0, -1):
        p, i = known[rank - 1]
        running = min(running, p * m / rank)
        out[i] = running
    return out
