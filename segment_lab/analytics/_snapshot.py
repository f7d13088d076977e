"""Analyses of membership at one or two instants: overlap, transitions, funnel.

Each runs one query: the rules are evaluated side by side over one contacts frame
(:func:`~segment_lab.engine.plan_asof` without pruning), as 0/1 indicator columns, and
the answer is a set of sums of their products.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING, Any

from segment_lab.analytics._common import (
    check_workspace,
    conditions,
    execute,
    named_segments,
)
from segment_lab.engine import plan_asof, universe
from segment_lab.errors import InvalidValueError
from segment_lab.model._nodes import And, Rule
from segment_lab.model._segment import Segment

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from segment_lab.workspace import Workspace

__all__ = ["IN_NONE", "overlap", "transitions", "funnel"]

#: The state of a contact that is in none of the segments of :func:`transitions`.
IN_NONE = "in none"


def indicators(ws: Workspace, rules: list[Rule], t: dt.datetime, prefix: str = "m") -> ir.Table:
    """``cid, m0 .. m(n-1)``: one row per contact existing at ``t``, 1 where rule i holds."""
    tables = ws._tables
    combined = rules[0] if len(rules) == 1 else And(tuple(rules))
    ws._warn_current(combined, t)
    plan = plan_asof(combined, tables, t, prune=False)
    frame = plan.frame.filter(universe(plan.frame, tables, t))
    cols = {f"{prefix}{i}": plan.predicate(r, safe=True).cast("int64") for i, r in enumerate(rules)}
    return frame.select(cid=frame[tables.bindings.contact_id], **cols)


def _product(columns: list[ir.IntegerValue]) -> ir.IntegerValue:
    out = columns[0]
    for col in columns[1:]:
        out = out * col
    return out


def _sums(table: ir.Table, exprs: dict[str, ir.IntegerValue]) -> dict[str, int]:
    """Sum each 0/1 expression over ``table`` in one query (``"all"``: the row count)."""
    aggs = {k: table.count() if k == "all" else v.sum() for k, v in exprs.items()}
    row = execute(table.aggregate(**aggs)).iloc[0]
    return {k: int(0 if v is None or v != v else v) for k, v in row.items()}


def overlap(ws: Workspace, segments: Any, as_of: Any = None) -> pd.DataFrame:
    """Pairwise overlap of segments at one instant: counts and Jaccard index.

    Returns
    -------
    pandas.DataFrame
        One row per ordered pair (the diagonal too): ``segment_a, segment_b, size_a,
        size_b, both, either, jaccard`` (``both / either``; NaN when both are empty).

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab import analytics as an, sample
    >>> ws = sl.Workspace.demo().with_catalog(sample.demo_catalog())
    >>> cat = sample.demo_catalog()
    >>> o = an.overlap(ws, [cat["customers-at-risk"], cat["churn-risk"]], as_of="2025-03-24")
    >>> print(o[["segment_a", "segment_b", "both", "jaccard"]].round(3).to_string(index=False))
            segment_a         segment_b  both  jaccard
    customers-at-risk customers-at-risk    45    1.000
    customers-at-risk        churn-risk     7    0.033
           churn-risk customers-at-risk     7    0.033
           churn-risk        churn-risk   174    1.000
    """
    import pandas as pd

    check_workspace(ws, "overlap")
    named = named_segments(ws, segments, "overlap")
    t = ws.instant(as_of)
    table = indicators(ws, [n.resolved for n in named], t)
    m = [table[f"m{i}"] for i in range(len(named))]
    pairs = list(itertools.combinations_with_replacement(range(len(named)), 2))
    sums = _sums(table, {f"b{i}_{j}": m[i] * m[j] for i, j in pairs})
    rows = []
    for i, j in itertools.product(range(len(named)), repeat=2):
        both = sums[f"b{min(i, j)}_{max(i, j)}"]
        size_a, size_b = sums[f"b{i}_{i}"], sums[f"b{j}_{j}"]
        either = size_a + size_b - both
        rows.append({
            "segment_a": named[i].name, "segment_b": named[j].name, "size_a": size_a,
            "size_b": size_b, "both": both, "either": either,
            "jaccard": both / either if either else float("nan"),
        })  # fmt: skip
    return pd.DataFrame(rows)


def _states(table: ir.Table, prefix: str, n: int, exclusive: bool) -> list[ir.IntegerValue]:
    """0/1 per state (segments, then "in none") for each row of ``table``."""
    m = [table[f"{prefix}{i}"].fill_null(0) for i in range(n)]
    out = []
    for i in range(n):
        earlier = [1 - x for x in m[:i]] if exclusive else []
        out.append(_product([m[i], *earlier]))
    out.append(_product([1 - x for x in m]))
    return out


def transitions(
    ws: Workspace, segments: Any, start: Any, end: Any = None, *, exclusive: bool = True
) -> pd.DataFrame:
    """Where the members of each segment at ``start`` are at ``end``: a flow matrix.

    States are the segment names and ``"in none"``.  With ``exclusive`` (default) a
    contact is in the first of the given segments it belongs to (list order is
    priority), so every contact counts once; otherwise it counts for every pair of
    segments it is in at ``start`` and ``end``.  The contacts counted exist at ``end``;
    one created after ``start`` was ``"in none"`` then.

    Returns
    -------
    pandas.DataFrame
        ``from, to, contacts``: one row per pair of states, zeros included.

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab import analytics as an, sample
    >>> ws = sl.Workspace.demo()
    >>> f = an.transitions(ws, [sample.PRICING_INTENT], "2025-05-05", "2025-05-12")
    >>> print(f.to_string(index=False))
              from             to  contacts
    pricing-intent pricing-intent         1
    pricing-intent        in none         0
           in none pricing-intent       162
           in none        in none      4245
    """
    import pandas as pd

    check_workspace(ws, "transitions")
    named = named_segments(ws, segments, "transitions")
    t1, t2 = ws.instant(start, "start"), ws.instant(end, "end")
    if t2 < t1:
        raise InvalidValueError(f"end ({t2}) is before start ({t1}).")
    rules = [n.resolved for n in named]
    after = indicators(ws, rules, t2, prefix="b")
    before = indicators(ws, rules, t1, prefix="a")
    joined = after.left_join(before, after.cid == before.cid)
    n = len(named)
    s1 = _states(joined, "a", n, exclusive)
    s2 = _states(joined, "b", n, exclusive)
    cells = itertools.product(range(n + 1), repeat=2)
    sums = _sums(joined, {f"f{i}_{j}": s1[i] * s2[j] for i, j in cells})
    labels = [x.name for x in named] + [IN_NONE]
    if IN_NONE in labels[:-1]:
        raise InvalidValueError(f"A segment may not be called {IN_NONE!r} in transitions().")
    rows = [
        {"from": labels[i], "to": labels[j], "contacts": sums[f"f{i}_{j}"]}
        for i, j in itertools.product(range(n + 1), repeat=2)
    ]
    return pd.DataFrame(rows)


def funnel(ws: Workspace, segment: Segment | Rule | list, as_of: Any = None) -> pd.DataFrame:
    """How many contacts each condition of an AND keeps, in order, and which blocks most.

    Step 0 is every contact that exists at ``as_of``; step i keeps those that pass
    conditions 1..i.  ``alone`` counts the contacts passing condition i by itself;
    ``blocks`` those passing every other condition but not i (what dropping condition i
    would add).  ``attrs["bottleneck"]`` names the condition with the largest ``blocks``,
    ``attrs["message"]`` says it in a sentence.

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab import analytics as an, sample
    >>> ws = sl.Workspace.demo()
    >>> f = an.funnel(ws, sample.demo_catalog()["tokyo-cto-python-quiet"], as_of="2025-06-30")
    >>> print(f[["step", "condition", "kept", "blocks"]].to_string(index=False))
     step                              condition  kept  blocks
        0                           all contacts  4987       0
        1                          City is Tokyo   390      82
        2                       Job title is CTO    21      89
        3           Technologies includes python     8      10
        4 not visited a page in the last 14 days     7       1
    >>> f.attrs["bottleneck"]
    'Job title is CTO'
    """
    check_workspace(ws, "funnel")
    rules = _funnel_conditions(segment)
    t = ws.instant(as_of)
    table = indicators(ws, [ws._resolve(r) for r in rules], t)
    m = [table[f"m{i}"] for i in range(len(rules))]
    exprs = {"all": m[0]}
    for i in range(len(rules)):
        exprs[f"kept{i}"] = _product(m[: i + 1])
        exprs[f"alone{i}"] = m[i]
        exprs[f"blocks{i}"] = _product([*m[:i], *m[i + 1 :], 1 - m[i]])
    return _funnel_frame(rules, _sums(table, exprs))


def _funnel_conditions(segment: Any) -> list[Rule]:
    if isinstance(segment, Segment):
        return list(conditions(segment.rule))
    if isinstance(segment, Rule):
        return list(conditions(segment))
    if isinstance(segment, (list, tuple)) and segment and all(isinstance(r, Rule) for r in segment):
        return list(segment)
    raise InvalidValueError(
        f"funnel() needs a segment, a rule or a non-empty list of rules; got {segment!r}."
    )


def _funnel_frame(rules: list[Rule], sums: dict[str, int]) -> pd.DataFrame:
    import pandas as pd

    total = sums["all"]
    rows = [{"step": 0, "condition": "all contacts", "kept": total, "removed": 0,
             "alone": total, "blocks": 0}]  # fmt: skip
    for i, rule in enumerate(rules):
        kept = sums[f"kept{i}"]
        rows.append({
            "step": i + 1, "condition": rule.describe(), "kept": kept,
            "removed": rows[-1]["kept"] - kept, "alone": sums[f"alone{i}"],
            "blocks": sums[f"blocks{i}"],
        })  # fmt: skip
    out = pd.DataFrame(rows)
    out.insert(4, "kept_share", out["kept"] / total if total else float("nan"))
    best = max(range(1, len(rows)), key=lambda k: (rows[k]["blocks"], -k))
    out.attrs["bottleneck"] = rows[best]["condition"]
    out.attrs["message"] = _funnel_message(rows, best)
    return out


def _funnel_message(rows: list[dict], best: int) -> str:
    n = len(rows) - 1
    head = (
        f"Of {rows[0]['kept']:,} contacts, {rows[-1]['kept']:,} pass "
        f"{'the condition' if n == 1 else f'all {n} conditions'}."
    )
    if n == 1:
        return head
    blocks = rows[best]["blocks"]
    if blocks == 0:
        return f"{head} No single condition holds anyone back on its own."
    return (
        f"{head} '{rows[best]['condition']}' removes the most: without it, "
        f"{blocks:,} more would pass."
    )
