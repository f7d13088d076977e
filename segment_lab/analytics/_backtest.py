"""Backtests: would a definition, evaluated as known at past snapshots, have predicted the outcome.

The definitions are in ``docs/backtesting.md``; :mod:`segment_lab.engine` computes the
counts (one compilation per definition for the whole grid), this module the ratios,
their Wilson intervals, the pooled summary with its tests and the look-ahead audit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from segment_lab.analytics._common import Named, check_workspace, named_segments
from segment_lab.analytics._stats import benjamini_hochberg, ratio, two_proportion_test, wilson
from segment_lab.dsl import EventSpec, event
from segment_lab.engine import (
    BacktestPlan,
    backtest_counts,
    base_counts,
    materialize,
    outcome_intervals,
    truncated_tables,
    warn_current,
)
from segment_lab.errors import (
    IncompleteSnapshotWarning,
    InvalidSegmentError,
    InvalidValueError,
    LookAheadError,
)
from segment_lab.model import Rule, Segment
from segment_lab.model._instants import resolve_every

if TYPE_CHECKING:
    from segment_lab.workspace import Workspace

__all__ = ["COLUMNS", "INTERVAL_COLUMNS", "BacktestFrame", "backtest", "summarize"]

#: The counts and ratios of a backtest row, in order.
COLUMNS = (
    "segment",
    "snapshot",
    "population",
    "members",
    "positives",
    "true_positives",
    "base_rate",
    "precision",
    "recall",
    "f1",
    "lift",
    "coverage",
    "rate_nonmembers",
)
#: The 95% Wilson intervals that follow them.
INTERVAL_COLUMNS = (
    "precision_lo",
    "precision_hi",
    "recall_lo",
    "recall_hi",
    "base_rate_lo",
    "base_rate_hi",
)
_COUNTS = ("population", "members", "positives", "true_positives")


class BacktestFrame(pd.DataFrame):
    """A backtest's tidy frame, one row per (segment, snapshot), with :meth:`summary`.

    ``audit`` holds the look-ahead audit's comparisons (empty without ``audit=``).
    """

    _metadata: ClassVar[list[str]] = ["audit"]

    @property
    def _constructor(self) -> type[BacktestFrame]:
        return BacktestFrame

    def summary(self) -> pd.DataFrame:
        """Pool the snapshots per segment, ranked by lift (see :func:`summarize`).

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> bt = sl.backtest(ws, ws.catalog["churn-risk"], sl.event("unsubscribe"),
        ...                  start="2025-03-03", end="2025-05-26", every="1w", horizon="4w")
        >>> s = bt.summary()
        >>> s["snapshots"].tolist(), bool(s["members"].iloc[0] == bt["members"].sum())
        ([13], True)
        """
        return summarize(self)


def _rates(pop: int, mem: int, pos: int, tp: int) -> dict[str, float]:
    """Return the ratios of one row of counts (NaN where a denominator is 0)."""
    precision, recall, base = ratio(tp, mem), ratio(tp, pos), ratio(pos, pop)
    row = {
        "base_rate": base,
        "precision": precision,
        "recall": recall,
        "f1": ratio(2 * tp, mem + pos),
        "lift": ratio(precision, base) if mem else float("nan"),
        "coverage": ratio(mem, pop),
        "rate_nonmembers": ratio(pos - tp, pop - mem),
    }
    row["precision_lo"], row["precision_hi"] = wilson(tp, mem)
    row["recall_lo"], row["recall_hi"] = wilson(tp, pos)
    row["base_rate_lo"], row["base_rate_hi"] = wilson(pos, pop)
    return row


def _row(name: str, snapshot: dt.datetime, counts: tuple[int, int, int, int]) -> dict:
    return {"segment": name, "snapshot": snapshot, **dict(zip(_COUNTS, counts)), **_rates(*counts)}


def _frame(rows: list[dict], extra: tuple[str, ...] = ()) -> pd.DataFrame:
    columns = [*COLUMNS, *INTERVAL_COLUMNS, *extra]
    out = pd.DataFrame(rows, columns=columns)
    for c in _COUNTS:
        out[c] = out[c].astype("int64")
    for c in columns[6:]:
        if c not in extra:
            out[c] = out[c].astype("float64")
    return out


def _outcome(outcome: Any) -> tuple[Any, bool]:
    """``(node, is_event)``: an event spec (or type names) or a rule / segment."""
    if isinstance(outcome, str) or (
        isinstance(outcome, (list, tuple)) and outcome and all(isinstance(o, str) for o in outcome)
    ):
        outcome = event(outcome)
    if isinstance(outcome, EventSpec):
        return outcome.exists(), True
    if isinstance(outcome, (Rule, Segment)):
        return outcome, False
    raise InvalidValueError(
        "outcome must be an event spec (sl.event('purchase'), optionally .where(...)), "
        "meaning 'at least one such event in (t, t + horizon]', or a rule / segment, "
        f"meaning 'a member as of t + horizon'; got {outcome!r}."
    )


def _plan(ws: Workspace, start: Any, end: Any, every: Any, horizon: Any, partial: bool):
    """Return the plan and the number of snapshots kept (the incomplete ones dropped unless partial)."""
    try:
        h, months, _ = resolve_every(horizon)
    except InvalidSegmentError as exc:  # a bad duration: say which argument
        raise type(exc)(f"horizon: {exc}") from None
    grid = ws.grid(start, end, every)
    try:
        plan = BacktestPlan(grid, h, ws.now, months)
    except InvalidValueError as exc:
        raise InvalidValueError(f"horizon {horizon!r}: {exc}") from None
    kc = plan.complete
    if kc < grid.n and not partial:
        warnings.warn(
            f"{grid.n - kc} of {grid.n} snapshots are incomplete (t + horizon {horizon!r} is "
            f"after the workspace's now, {ws.now}) and were left out; pass partial=True to "
            "keep them, flagged.",
            IncompleteSnapshotWarning,
            stacklevel=3,
        )
        if kc == 0:
            return plan, 0
        plan = BacktestPlan(dataclasses.replace(grid, n=kc), h, ws.now, months)
    return plan, plan.grid.n


def _progress(items: list, enabled: bool | None) -> Any:
    if enabled is False or (enabled is None and len(items) < 3):
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc="backtest", unit="segment")


def backtest(
    ws: Workspace,
    segments: Any,
    outcome: Any,
    *,
    start: Any,
    end: Any,
    every: Any,
    horizon: Any,
    partial: bool = False,
    audit: int = 0,
    progress: bool | None = None,
) -> BacktestFrame:
    """Evaluate definitions at past snapshots and compare members' outcomes with everyone's.

    At each snapshot ``t_k = start + k*every <= end`` (the grid of
    :meth:`Workspace.history`) the population is the universe at ``t_k`` (contacts
    created after ``t_k`` are not in it), membership is as of ``t_k`` and the outcome
    looks forward: for an event spec, at least one matching event in ``(t_k, t_k +
    horizon]``; for a rule or segment, membership as of ``t_k + horizon``.  Each
    definition compiles once, to membership intervals, for the whole grid.

    Parameters
    ----------
    ws
        The workspace.
    segments
        A segment, a rule, a list of them, a catalog or a :func:`sweep`.
    outcome
        ``sl.event("purchase")`` (optionally ``.where(...)``; an event type name or a
        list of them will do), or a rule / segment.
    start, end, every
        The snapshots, as in :meth:`Workspace.history` (calendar months and quarters too).
    horizon
        How far the outcome looks forward: a duration such as ``"90d"`` or ``"4w"``, or
        calendar months (``"1mo"``, ``"1q"``: ``t_k + months``, the day clipped at the
        month's end; the snapshots must then be midnights, steps of whole days or more).
    partial
        Snapshots whose ``t_k + horizon`` lies after the workspace's now are
        incomplete: left out with an :class:`~segment_lab.errors.IncompleteSnapshotWarning`
        (default), or kept with ``partial=True`` and flagged in a ``partial`` column
        (their outcome then covers ``(t_k, now]``; a rule outcome is read as of now).
    audit
        Re-evaluate membership at this many snapshots (spread evenly) on the data
        truncated at ``t_k`` (no event after it, no history row starting after it) and
        raise :class:`~segment_lab.errors.LookAheadError` on any difference; the
        comparisons are kept in the result's ``audit`` frame.
    progress
        Show a progress bar over definitions (default: when there are three or more).

    Returns
    -------
    BacktestFrame
        A pandas frame, one row per (segment, snapshot): ``segment, snapshot,
        population, members, positives, true_positives, base_rate, precision, recall,
        f1, lift, coverage, rate_nonmembers`` and the 95% Wilson intervals
        ``precision_lo/_hi, recall_lo/_hi, base_rate_lo/_hi`` (NaN where a
        denominator is 0); ``partial`` last with ``partial=True``.  ``.summary()``
        pools the snapshots per segment; ``attrs["backtest"]`` says the outcome in
        words (``outcome``), the ``horizon``, the grid's step (``every``) and the number
        of ``snapshots`` kept.

    Raises
    ------
    InvalidValueError
        For an outcome that is neither an event spec nor a rule, a bad horizon or grid,
        or two segments with the same name.
    LookAheadError
        When the audit finds a snapshot whose membership differs on truncated data.

    Warns
    -----
    IncompleteSnapshotWarning
        When snapshots are left out because their horizon is not observed yet.
    CurrentValueWarning
        When a definition reads an attribute without history at a past snapshot.

    Examples
    --------
    >>> import segment_lab as sl
    >>> ws = sl.Workspace.demo()
    >>> bt = sl.backtest(ws, ws.catalog["churn-risk"], sl.event("unsubscribe"),
    ...                  start="2025-03-03", end="2025-05-26", every="1w", horizon="4w")
    >>> row = bt.iloc[0]
    >>> bool(row["precision"] == row["true_positives"] / row["members"])
    True
    >>> bool(row["lift"] == row["precision"] / row["base_rate"])
    True
    >>> bt.attrs["backtest"]["outcome"]
    'unsubscribed within 4w after the snapshot'
    """
    check_workspace(ws, "backtest")
    if isinstance(audit, bool) or not isinstance(audit, int) or audit < 0:
        raise InvalidValueError(f"audit must be a whole number of snapshots >= 0, got {audit!r}.")
    node, is_event = _outcome(outcome)
    named = named_segments(ws, segments, "backtest")
    plan, n = _plan(ws, start, end, every, horizon, partial)
    extra = ("partial",) if partial else ()
    info = _info(outcome, node, is_event, horizon, every, n)
    if n == 0:
        return _result(_frame([], extra), [], info)
    tables = ws.tables
    node = ws.resolve(node)  # an unknown event type or where column: a clear error
    if not is_event:
        warn_current(node, tables, plan.grid.start, ws.now)
    positives = materialize(outcome_intervals(node, tables, plan, event=is_event))
    base = base_counts(positives, tables, plan)
    rows: list[dict] = []
    by_name = {}
    for item in _progress(named, progress):
        warn_current(item.resolved, tables, plan.grid.start, ws.now)
        mine = backtest_counts(item.resolved, positives, tables, plan)
        by_name[item.name] = mine[0]
        rows += _rows(item.name, plan, base, mine, partial)
    frame = _frame(rows, extra)
    checks = _audit(ws, named, plan, by_name, audit) if audit else []
    return _result(frame, checks, info)


def _info(outcome: Any, node: Any, is_event: bool, horizon: Any, every: Any, n: int) -> dict:
    """``attrs["backtest"]``: the outcome in words, the horizon and the snapshots' grid."""
    if is_event:
        words = f"{node.describe()} within {horizon} after the snapshot"
    else:
        name = f" of {outcome.name}" if isinstance(outcome, Segment) else ""
        words = f"a member{name} {horizon} after the snapshot ({node.describe()})"
    return {"outcome": words, "horizon": str(horizon), "every": str(every), "snapshots": n}


def _rows(name: str, plan: BacktestPlan, base, mine, partial: bool) -> list[dict]:
    g, kc = plan.grid, plan.complete
    out = []
    for k in range(g.n):
        counts = (int(base[0, k]), int(mine[0, k]), int(base[1, k]), int(mine[1, k]))
        row = _row(name, g.at(k), counts)
        if partial:
            row["partial"] = k >= kc
        out.append(row)
    return out


def _result(frame: pd.DataFrame, checks: list[dict], info: dict) -> BacktestFrame:
    out = BacktestFrame(frame)
    out.attrs["backtest"] = info
    if not out.empty:
        out["snapshot"] = pd.to_datetime(out["snapshot"])
    out.audit = pd.DataFrame(checks, columns=["segment", "snapshot", "backtest", "truncated"])
    return out


def _audit(
    ws: Workspace, named: list[Named], plan: BacktestPlan, members: dict, k: int
) -> list[dict]:
    """Membership at ``k`` snapshots on data truncated there, against the backtest's."""
    from segment_lab.workspace import Workspace

    g = plan.grid
    picks = sorted({round(i * (g.n - 1) / max(k - 1, 1)) for i in range(min(k, g.n))})
    checks = []
    for i in picks:
        t = g.at(i)
        known = Workspace.from_ibis(
            **truncated_tables(ws.tables, t), bindings=ws.bindings, now=t, validate=False
        )
        for item in named:
            got = known.count(item.resolved, as_of=t)
            checks.append(
                {"segment": item.name, "snapshot": t, "backtest": int(members[item.name][i]),
                 "truncated": got}
            )  # fmt: skip
            if got != members[item.name][i]:
                raise LookAheadError(
                    f"Look-ahead in {item.name!r} at snapshot {t}: the backtest counts "
                    f"{int(members[item.name][i])} members, but on the data known at {t} "
                    f"(no event or history row after it) there are {got}."
                )
    return checks


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Pool a backtest frame's snapshots per segment, ranked by lift.

    The counts are summed over snapshots (a contact counts once per snapshot) and the
    ratios recomputed; ``z`` and ``p_value`` are the pooled two-proportion z-test of
    members' outcome rate (``precision``) against non-members' (``rate_nonmembers``),
    ``q_value`` the Benjamini–Hochberg adjustment across the segments compared.

    Parameters
    ----------
    frame
        A frame of :func:`backtest` (any subset of its rows).

    Returns
    -------
    pandas.DataFrame
        ``segment, snapshots`` and the columns of a backtest row from ``population`` on,
        then ``z, p_value, q_value``; highest lift first (NaN last).

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab import analytics as an
    >>> ws = sl.Workspace.demo()
    >>> bt = sl.backtest(ws, ws.catalog, sl.event("purchase"), start="2025-04-07",
    ...                  end="2025-05-26", every="1w", horizon="4w", progress=False)
    >>> s = an.summarize(bt)
    >>> len(s) == len(ws.catalog), bool(s["lift"].is_monotonic_decreasing)
    (True, True)
    """
    rows = []
    for name, part in frame.groupby("segment", sort=False):
        pop, mem, pos, tp = (int(part[c].sum()) for c in _COUNTS)
        z, p = two_proportion_test(tp, mem, pos - tp, pop - mem)
        rows.append({
            "segment": name, "snapshots": len(part), "population": pop, "members": mem,
            "positives": pos, "true_positives": tp, **_rates(pop, mem, pos, tp),
            "z": z, "p_value": p,
        })  # fmt: skip
    columns = ["segment", "snapshots", *COLUMNS[2:], *INTERVAL_COLUMNS, "z", "p_value"]
    out = pd.DataFrame(rows, columns=columns)
    out["q_value"] = benjamini_hochberg(out["p_value"].astype("float64").tolist())
    out = out.sort_values("lift", ascending=False, na_position="last", kind="stable")
    return pd.DataFrame(out.reset_index(drop=True))
