"""Analyses of membership at one or two instants: overlap, transitions, funnel.

Each runs one query: every rule is its own members query (pruned, as ``ws.members``),
their union is grouped into one bit mask per contact, and only the count of each distinct
mask comes back; the pairs, flows and funnel steps are sums over those few rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.analytics._common import check_workspace, conditions, named_segments
from segment_lab.engine import compile_members, execute, universe, warn_current
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


#: Membership is packed into one int64 bit mask per contact.
MAX_SEGMENTS = 62


def masks(ws: Workspace, rules: list[Rule], t: dt.datetime, everyone: bool = False) -> ir.Table:
    """Return ``cid, mask``: bit i set where rule i holds at ``t``.

    With ``everyone``, bit ``len(rules)`` is set for every contact that exists at ``t``.

    Each rule is its own pruned members query (as :meth:`Workspace.members`), so a
    contact that is in no segment never meets the rules' joins; the union is grouped once.
    """
    if len(rules) + everyone > MAX_SEGMENTS:
        raise InvalidValueError(f"At most {MAX_SEGMENTS - 1} segments at once, got {len(rules)}.")
    tables = ws.tables
    warn_current(rules[0] if len(rules) == 1 else And(tuple(rules)), tables, t, ws.now)
    cid = tables.bindings.contact_id
    parts = [
        compile_members(r, tables, t).select(cid=cid, bit=ibis.literal(1 << i, "int64"))
        for i, r in enumerate(rules)
    ]
    if everyone:
        c = tables.contacts
        parts.append(
            c.filter(universe(c, tables, t)).select(
                cid=cid, bit=ibis.literal(1 << len(rules), "int64")
            )
        )
    both = ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]
    return both.group_by("cid").aggregate(mask=both.bit.sum())  # distinct bits: sum = or


def _mask_counts(table: ir.Table, *keys: str) -> list[tuple[int, ...]]:
    """``(key values..., contacts)`` for each distinct combination of mask columns."""
    counts = execute(table.group_by(list(keys)).aggregate(n=table.count()))
    return [tuple(int(x) for x in row) for row in counts[[*keys, "n"]].itertuples(index=False)]


def _bits(mask: int, n: int) -> list[int]:
    return [i for i in range(n) if mask >> i & 1]


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
    n = len(named)
    both = [[0] * n for _ in range(n)]
    for mask, count in _mask_counts(
        masks(ws, [x.resolved for x in named], ws.instant(as_of)), "mask"
    ):
        for i, j in itertools.product(_bits(mask, n), repeat=2):
            both[i][j] += count
    rows = []
    for i, j in itertools.product(range(n), repeat=2):
        either = both[i][i] + both[j][j] - both[i][j]
        rows.append({
            "segment_a": named[i].name, "segment_b": named[j].name, "size_a": both[i][i],
            "size_b": both[j][j], "both": both[i][j], "either": either,
            "jaccard": both[i][j] / either if either else float("nan"),
        })  # fmt: skip
    return pd.DataFrame(rows)


def _states(mask: int, n: int, exclusive: bool) -> list[int]:
    """Return the states (segment indices; ``n`` = "in none") of a contact with this mask."""
    found = _bits(mask, n)
    if not found:
        return [n]
    return found[:1] if exclusive else found


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
    labels = [x.name for x in named] + [IN_NONE]
    if IN_NONE in labels[:-1]:
        raise InvalidValueError(f"A segment may not be called {IN_NONE!r} in transitions().")
    n, rules = len(named), [x.resolved for x in named]
    after = masks(ws, rules, t2, everyone=True)
    before = masks(ws, rules, t1).rename(cid1="cid", mask1="mask")
    joined = after.left_join(before, after.cid == before.cid1)
    joined = joined.select(mask1=joined.mask1.fill_null(0), mask2=joined.mask)
    flows = [[0] * (n + 1) for _ in range(n + 1)]
    for m1, m2, count in _mask_counts(joined, "mask1", "mask2"):
        for i, j in itertools.product(_states(m1, n, exclusive), _states(m2, n, exclusive)):
            flows[i][j] += count
    rows = [
        {"from": labels[i], "to": labels[j], "contacts": flows[i][j]}
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
    rules = _funnel_conditions(ws.lookup(segment) if isinstance(segment, str) else segment)
    n = len(rules)
    table = masks(ws, [ws.resolve(r) for r in rules], ws.instant(as_of), everyone=True)
    sums = dict.fromkeys(
        ["all", *(f"{k}{i}" for k in ("kept", "alone", "blocks") for i in range(n))], 0
    )
    full = (1 << n) - 1
    for mask, count in _mask_counts(table, "mask"):
        sums["all"] += count
        for i in range(n):
            prefix = (1 << (i + 1)) - 1
            sums[f"kept{i}"] += count * (mask & prefix == prefix)
            sums[f"alone{i}"] += count * (mask >> i & 1)
            sums[f"blocks{i}"] += count * (mask & full == full & ~(1 << i))
    return _funnel_frame(rules, sums)


def _funnel_conditions(segment: Any) -> list[Rule]:
    if isinstance(segment, Segment):
        return list(conditions(segment.rule))
    if isinstance(segment, Rule):
        return list(conditions(segment))
    if isinstance(segment, (list, tuple)) and segment and all(isinstance(r, Rule) for r in segment):
        return list(segment)
    raise InvalidValueError(
        f"funnel() needs a segment, a catalog segment's name, a rule or a non-empty list of "
        f"rules; got {segment!r}."
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
