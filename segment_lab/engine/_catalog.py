"""The catalog plan: the histories of many segments on one grid, sharing their work.

``Workspace.history([s1, s2, ...])`` (and so ``trends``, ``alerts``) used to run one
history per segment, each reading its own events.  Segments of a catalog share event
conditions (the same events, window and ``where``) and reference each other
(``in_segment``, inlined: the referenced rule appears inside the referencing one).  This
plan evaluates a set of segments in one batched query (the plan of
:mod:`~segment_lab.engine._batched`, extended to several rules):

1. each distinct set of events (types, window, where) over all the segments is
   aggregated per ``(contact, grid index)`` once, by
   :func:`~segment_lab.engine._batched._events_at_grid`, with one metric column per
   distinct event condition (a condition two segments share is one column);
2. the frame of ``(contact, instant)`` rows is either *pruned*, the union of the rows
   where each segment can hold (:func:`support`: an event condition that fails without
   events keeps the rows of its aggregate, ``all_of`` the smallest of its parts',
   ``any_of`` the union of all of its parts'), or *full*, every contact at every
   instant (needed by segments that hold without events, ``~exists``); the
   aggregates and the SCD2 rows valid at each instant are joined onto it;
3. sub-rules shared by several segments (a referenced segment, a common ``all_of``)
   are computed once as a boolean column; each segment's membership is one 0/1
   column (the as-of predicate with the instant a column, as the batched plan does);
4. one window pass over the rows where some segment holds (per contact, by grid
   index: the previous and next row's index and columns) gives every segment's run
   starts and ends, counted per index in one aggregate with one column per segment.

Which segments share which query is chosen from estimated rows
(:func:`assign`, docs/decisions.md#catalog-histories), as
:func:`~segment_lab.engine._batched.choose_plan` chooses a single segment's plan: a
segment may also stay on its own plan (the interval engine on dense grids, or a
segment whose events would be paired with many instants).  Everything is an Ibis
expression, so the plan runs on every backend.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.engine._asof import (
    AsOfPlan,
    _measure_predicate,
    event_nodes,
    holds_without_events,
    metric,
    universe,
    used_fields,
)
from segment_lab.engine._batched import (
    K,
    T,
    _events_at_grid,
    _reach,
    choose_plan,
    grid_table,
    plan_costs,
    window_span,
)
from segment_lab.engine._bitmask import bitmask_many, bitmask_rows, suits, why_not
from segment_lab.engine._execute import execute_rows
from segment_lab.engine._grid import HI, timestamp
from segment_lab.engine._history import grid_counts, history_frame
from segment_lab.engine._intervals import IntervalContext, membership
from segment_lab.model._nodes import And, EventCondition, Not, Or

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import ibis.expr.types as ir
    import pandas as pd

    from segment_lab.engine._checks import TableStats
    from segment_lab.engine._plans import HistoryPlans
    from segment_lab.engine._queries import Grid
    from segment_lab.engine._schema import Tables
    from segment_lab.model._nodes import Rule

__all__ = [
    "QUERY_ROWS",
    "Assignment",
    "assign",
    "bitmask_members",
    "catalog_counts",
    "catalog_rows",
    "check_fields",
    "has_support",
    "interval_rows",
    "segment_histories",
    "support",
]

#: The fixed cost of one more query (building, compiling and running it, fetching its
#: rows), in rows of the plan estimates: what a per-segment plan pays per segment.
QUERY_ROWS = 200_000.0

PER, PRUNED, FULL = "per-segment", "pruned", "full"


def _group_key(node: EventCondition) -> tuple:
    return (node.types, node.window, node.where)


def check_fields(rule: Rule, tables: Tables) -> None:
    """Raise what compiling ``rule`` would: unknown contact fields, non-numeric sums.

    The shared query compiles every segment together; checking each one first lets the
    caller say which segment is wrong.
    """
    for f in used_fields(rule):
        tables.contact_dtype(f)
    nodes = event_nodes(rule)
    if nodes and tables.events is None:
        tables.event_dtype(tables.bindings.ts)  # raises BindingError: no events table
    for n in nodes:
        if n.measure == "sum":
            metric(tables.events, n, None, tables)  # raises for a non-numeric column


# -- the choice ------------------------------------------------------------------------------


@dataclass
class Assignment:
    """Which segments (by index) run in the pruned and full shared queries, and alone.

    ``costs``: the estimated rows of this assignment and of running every segment on
    its own plan (``"per-segment"``), for the record.
    """

    pruned: list[int] = field(default_factory=list)
    full: list[int] = field(default_factory=list)
    alone: list[int] = field(default_factory=list)
    costs: dict[str, float] = field(default_factory=dict)


def _support_groups(rule: Rule) -> frozenset[tuple] | None:
    """Return the sets of events whose aggregates make up :func:`support` (None: none)."""
    if isinstance(rule, EventCondition):
        return None if holds_without_events(rule) else frozenset([_group_key(rule)])
    if isinstance(rule, And):
        for r in rule.rules:
            s = _support_groups(r)
            if s is not None:
                return s
        return None
    if isinstance(rule, Or):
        parts = [_support_groups(r) for r in rule.rules]
        return None if any(s is None for s in parts) else frozenset().union(*parts)  # type: ignore[arg-type]
    return None


def has_support(rule: Rule) -> bool:
    """Whether :func:`support` prunes ``rule`` (it cannot hold without some event).

    Examples
    --------
    >>> from segment_lab import event, field
    >>> has_support((event("purchase").count(within="30d") >= 1) & (field("city") == "Oslo"))
    True
    >>> has_support(~event("purchase").exists(within="30d"))
    False
    """
    return _support_groups(rule) is not None


def _pairs(rules: Sequence[Rule], stats: TableStats, grid: Grid) -> dict[tuple, float]:
    """Estimated (event, instant) pairs of each distinct set of events, as plan_costs counts."""
    _, step, npos = grid.positions
    out: dict[tuple, float] = {}
    for rule in rules:
        for n in event_nodes(rule):
            key = _group_key(n)
            if key not in out:
                span = window_span(n)
                since = None if span is None else grid.before - span
                out[key] = stats.events(n.types, since, grid.end) * _reach(n, step, npos)
    return out


@dataclass
class _Costs:
    """What the estimate of an assignment reads: per rule, its groups, support, own plan."""

    groups: list[set[tuple]]
    support: list[frozenset[tuple] | None]
    alone: list[float]
    hist: list[bool]
    pairs: dict[tuple, float]
    frame: float  # contacts x instants

    def shared(self, members: list[int], pruned: bool) -> float:
        if not members:
            return 0.0
        groups = set().union(*(self.groups[i] for i in members))
        rows = sum(self.pairs[g] for g in groups)
        if pruned:  # the union of the supports: each set of events' pairs once
            support = set().union(*(self.support[i] for i in members))  # type: ignore[misc]
            frame = sum(self.pairs[g] for g in support)
        else:
            frame = self.frame
        frame *= 2 if any(self.hist[i] for i in members) else 1  # SCD2 rows joined
        # the frame's rows, every aggregate joined onto them, and half as many again for
        # the window pass over the member rows (fitted to the bench data, decisions.md)
        return rows + frame * (1 + len(groups) / 4) + frame / 2 + QUERY_ROWS

    def total(self, where: list[str]) -> float:
        by = {kind: [i for i, w in enumerate(where) if w == kind] for kind in (PER, PRUNED, FULL)}
        alone = sum(self.alone[i] + QUERY_ROWS for i in by[PER])
        return alone + self.shared(by[PRUNED], True) + self.shared(by[FULL], False)


def _costs(rules: Sequence[Rule], stats: TableStats, grid: Grid, plan: str) -> _Costs:
    pairs = _pairs(rules, stats, grid)
    alone = []
    for r in rules:
        c = plan_costs(r, stats, grid)
        alone.append(c[plan] if plan in c else min(c.values()))
    hist = [any(stats.history and f in stats.history_attrs for f in used_fields(r)) for r in rules]
    return _Costs(
        groups=[{_group_key(n) for n in event_nodes(r)} for r in rules],
        support=[_support_groups(r) for r in rules],
        alone=alone,
        hist=hist,
        pairs=pairs,
        frame=float(stats.contacts * grid.positions[2]),
    )


def assign(rules: Sequence[Rule], stats: TableStats, grid: Grid, plan: str = "auto") -> Assignment:
    """Choose which segments share a query, and which run alone, from estimated rows.

    Each segment runs in the *pruned* shared query (if it has a :func:`support`), in the
    *full* one (every contact at every instant), or alone on its own plan
    (:func:`~segment_lab.engine._batched.plan_costs`).  A shared query costs the pairs of
    the distinct event sets of its segments (once each), and its frame's rows (the
    pairs of its supports' event sets, or contacts x instants; twice when SCD2 rows are
    joined) once, a quarter more per aggregate joined onto them and a half more for the
    window pass, and :data:`QUERY_ROWS`; a segment alone costs its plan's
    estimate and :data:`QUERY_ROWS`.  A local search from three starts (all alone; all
    shared, pruned where possible; all in the full frame) moves one segment at a time
    while the total falls.  ``plan``: "auto"; "batched" (every segment shared);
    "intervals" (every segment alone, on the interval engine).

    Examples
    --------
    >>> import datetime as dt
    >>> from segment_lab import event, field
    >>> from segment_lab.engine._checks import TableStats
    >>> from segment_lab.engine._queries import make_grid
    >>> day = dt.datetime(2025, 1, 1)
    >>> stats = TableStats(1000, 0, {"email_open": (6000, day - dt.timedelta(days=365), day)})
    >>> opens = event("email_open").count(within="30d")
    >>> rules = [opens >= 3, (opens >= 3) & (field("city") == "Tokyo"), opens >= 5]
    >>> weekly = assign(rules, stats, make_grid(day - dt.timedelta(days=364), day, "1w"))
    >>> weekly.pruned, weekly.full, weekly.alone
    ([0, 1, 2], [], [])
    >>> hourly = assign(rules, stats, make_grid(day - dt.timedelta(days=30), day, "1h"))
    >>> hourly.alone
    [0, 1, 2]
    """
    n = len(rules)
    if plan == "intervals":
        return Assignment(alone=list(range(n)))
    costs = _costs(rules, stats, grid, plan)
    options = [[FULL] if costs.support[i] is None else [PRUNED, FULL] for i in range(n)]
    if plan != "batched":
        options = [[PER, *o] for o in options]
    starts = [[o[0] for o in options], [o[-1] for o in options]]
    if plan != "batched":
        starts.append([o[1] for o in options])
    best, best_cost = None, float("inf")
    for where in starts:
        where, cost = _descend(list(where), options, costs)
        if cost < best_cost:
            best, best_cost = where, cost
    assert best is not None
    return Assignment(
        pruned=[i for i, w in enumerate(best) if w == PRUNED],
        full=[i for i, w in enumerate(best) if w == FULL],
        alone=[i for i, w in enumerate(best) if w == PER],
        costs={"chosen": best_cost, PER: sum(costs.alone) + n * QUERY_ROWS},
    )


def _descend(where: list[str], options: list[list[str]], costs: _Costs) -> tuple[list[str], float]:
    """Move one segment at a time to where the total falls most, until none does."""
    cost = costs.total(where)
    while True:
        move, to = None, cost
        for i, opts in enumerate(options):
            for o in opts:
                if o != where[i]:
                    trial = [*where[:i], o, *where[i + 1 :]]
                    c = costs.total(trial)
                    if c < to:
                        move, to = trial, c
        if move is None:
            return where, cost
        where, cost = move, to


# -- the query -------------------------------------------------------------------------------


def support(rule: Rule, aggs: dict[tuple, ir.Table], names: dict, cid: str) -> ir.Table | None:
    """``(contact, __k, __t)`` rows outside which ``rule`` cannot hold (None: anywhere).

    An event condition that fails without events holds only where its aggregate has a
    row (and its measure passes); ``all_of`` only where each part can, so within any
    one part's support (the first found); ``any_of`` within the union of all its parts'
    supports.  Negations and attribute conditions can hold anywhere.
    """
    if isinstance(rule, EventCondition):
        if holds_without_events(rule):
            return None
        agg = aggs[_group_key(rule)]
        keep = agg.filter(_measure_predicate(rule, agg[names[rule]], agg[T], False))
        return keep.select(cid, K, T)
    if isinstance(rule, And):
        for r in rule.rules:
            s = support(r, aggs, names, cid)
            if s is not None:
                return s
        return None
    if isinstance(rule, Or):
        parts = [support(r, aggs, names, cid) for r in rule.rules]
        if any(p is None for p in parts):
            return None
        return ibis.union(*parts, distinct=False)  # type: ignore[arg-type]
    return None


def _nodes(rule: Rule) -> list[Rule]:
    """Return the nodes of ``rule``, itself included, not those inside an event's ``where``."""
    out, stack = [], [rule]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.children())
    return out


def _shared_subrules(rules: Sequence[Rule]) -> list[Rule]:
    """Compound sub-rules (and whole rules) that occur in two segments or more, outermost."""
    seen: Counter = Counter()
    for rule in rules:
        nodes = {n for n in _nodes(rule) if isinstance(n, (And, Or, Not))}
        if not isinstance(rule, (And, Or, Not)):
            nodes.add(rule)
        seen.update(nodes)
    common = {n for n, c in seen.items() if c > 1}
    inner = {m for n in common for m in _nodes(n) if m is not n}
    return [n for n in common if n not in inner]


def _predicate(rule: Rule, plan: AsOfPlan, shared: dict, safe: bool) -> ir.BooleanValue:
    """Return the as-of predicate of ``rule``, reading a shared sub-rule's column where there is one."""
    if rule in shared:
        return plan.frame[shared[rule]]
    if isinstance(rule, And):
        return ibis.and_(*(_predicate(r, plan, shared, safe) for r in rule.rules))
    if isinstance(rule, Or):
        return ibis.or_(*(_predicate(r, plan, shared, safe) for r in rule.rules))
    if isinstance(rule, Not):
        return ~_predicate(rule.rule, plan, shared, True)
    return plan.predicate(rule, safe)


def _contacts(rules: Sequence[Rule], tables: Tables) -> tuple[ir.Table, list[str], list[str]]:
    """Return the contacts' columns every rule reads, and those read from the SCD2 history."""
    b = tables.bindings
    fields = list(dict.fromkeys(f for r in rules for f in used_fields(r)))
    hist = [f for f in fields if tables.history is not None and f in tables.history_attrs]
    keep = [b.contact_id]
    if tables.has_created_at:
        keep.append(b.created_at)  # type: ignore[arg-type]
    keep += [f for f in fields if f not in hist and f not in keep]
    return tables.contacts.select(*keep), keep, hist


def _frame(
    rules: Sequence[Rule], tables: Tables, grid: ir.Table, shape: tuple, pruned: bool
) -> tuple[ir.Table, dict]:
    """Return the ``(contact, __k)`` frame of all ``rules`` with every aggregate and SCD2 column."""
    b = tables.bindings
    cid = b.contact_id
    contacts, keep, hist = _contacts(rules, tables)
    nodes = list(dict.fromkeys(n for r in rules for n in event_nodes(r)))
    names = {n: f"__m{i}" for i, n in enumerate(nodes)}
    groups: dict[tuple, list[EventCondition]] = {}
    for n in nodes:
        groups.setdefault(_group_key(n), []).append(n)
    aggs = {key: _events_at_grid(ms, names, tables, grid, shape) for key, ms in groups.items()}
    if pruned:
        parts = [support(r, aggs, names, cid) for r in rules]
        rows = ibis.union(*parts, distinct=True) if len(parts) > 1 else parts[0].distinct()  # type: ignore[union-attr,arg-type]
        frame = rows.join(contacts, cid).select(*keep, K, T)
    else:
        frame = contacts.cross_join(grid)
    if hist:
        h = tables.history
        h = h.select(
            **{"__hc": h[cid], "__vf": h[b.valid_from]},
            __vt=h[b.valid_to].fill_null(timestamp(HI)),
            **{f: h[f] for f in hist},
        )
        cols = list(frame.columns)
        # no OR in the condition: DuckDB then plans a nested-loop join (measured)
        on = [frame[cid] == h["__hc"], h["__vf"] <= frame[T], h["__vt"] > frame[T]]
        frame = frame.left_join(h, on).select(*cols, *hist)
    for key, agg in aggs.items():
        cols = list(frame.columns)
        frame = frame.join(agg.drop(T), [cid, K], how="left")
        frame = frame.select(*cols, *(names[n] for n in groups[key]))
    return frame, names


def catalog_counts(
    rules: Sequence[Rule],
    tables: Tables,
    positions: tuple,
    instants: Sequence[dt.datetime],
    pruned: bool,
) -> ir.Table:
    """``(j, s0, e0, s1, e1, ...)``: run starts and ends of every rule per grid index, in one query.

    ``rules`` have their references inlined; ``pruned``: the frame is the union of the
    rules' :func:`support` (each must have one), else every contact at every instant.
    ``positions`` and ``instants`` are as for
    :func:`~segment_lab.engine._batched.batched_counts`; ``si`` and ``ei`` count, at
    grid index j, the contacts that are members of rule i at j but not at j-1, and the
    reverse.
    """
    grid = grid_table(instants)
    g0, step, npos = positions
    frame, names = _frame(rules, tables, grid, (g0, step, npos, instants[0], instants[-1]), pruned)
    cid = tables.bindings.contact_id
    plan = AsOfPlan(frame, names, tables, frame[T])
    common = _shared_subrules(rules)
    if common:  # computed once, read by every segment holding them
        cols = {f"__r{i}": _predicate(r, plan, {}, True) for i, r in enumerate(common)}
        frame = frame.mutate(**cols)
        plan = AsOfPlan(frame, names, tables, frame[T])
    shared = {r: f"__r{i}" for i, r in enumerate(common)}
    alive = universe(frame, tables, frame[T])
    bits = {
        f"__b{i}": ibis.ifelse(alive & _predicate(r, plan, shared, True), 1, 0)
        for i, r in enumerate(rules)
    }
    rows = frame.select(cid, K, **bits)
    if not tables.validated:  # a contact twice at one instant: a member if any row says so
        rows = rows.group_by([cid, K]).aggregate(**{c: rows[c].max() for c in bits})
    rows = rows.filter(ibis.or_(*(rows[c] == 1 for c in bits)))
    w = ibis.window(group_by=rows[cid], order_by=rows[K])
    prev_k, next_k = rows[K].lag().over(w), rows[K].lead().over(w)
    runs = rows.mutate(
        __pk=prev_k,
        __nk=next_k,
        **{f"__p{c}": rows[c].lag().over(w) for c in bits},
        **{f"__n{c}": rows[c].lead().over(w) for c in bits},
    )
    before = runs["__pk"] == runs[K] - 1
    after = runs["__nk"] == runs[K] + 1
    s = runs.group_by(j=runs[K]).aggregate(
        **{
            f"s{i}": ibis.ifelse(
                (runs[c] == 1) & ~(before & (runs[f"__p{c}"] == 1)).fill_null(False), 1, 0
            ).sum()
            for i, c in enumerate(bits)
        },
        **{f"e{i}": ibis.literal(0, "int64") for i in range(len(bits))},
    )
    e = runs.group_by(j=runs[K] + 1).aggregate(
        **{f"s{i}": ibis.literal(0, "int64") for i in range(len(bits))},
        **{
            f"e{i}": ibis.ifelse(
                (runs[c] == 1) & ~(after & (runs[f"__n{c}"] == 1)).fill_null(False), 1, 0
            ).sum()
            for i, c in enumerate(bits)
        },
    )
    both = ibis.union(s, e, distinct=False)
    out = both.group_by("j").aggregate(**{c: both[c].sum() for c in both.columns if c != "j"})
    return out.select("j", *(x for i in range(len(bits)) for x in (f"s{i}", f"e{i}")))


def catalog_rows(
    rules: Sequence[Rule],
    tables: Tables,
    grid: Grid,
    pruned: bool,
) -> list[list[tuple[int, int, int]]]:
    """Return the ``(j, starts, ends)`` rows of each rule, from one :func:`catalog_counts` query."""
    instants = [grid.before, *grid.points]
    rows = execute_rows(catalog_counts(rules, tables, grid.positions, instants, pruned))
    return [[(r[0], r[1 + 2 * i], r[2 + 2 * i]) for r in rows] for i in range(len(rules))]


def _related(rules: Sequence[Rule]) -> list[list[int]]:
    """Group the rules (by index) that share a compound sub-rule, directly or through others."""
    parent = list(range(len(rules)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    owner: dict[Rule, int] = {}
    for i, rule in enumerate(rules):
        for node in _nodes(rule):
            if isinstance(node, (And, Or, Not)) or node is rule:
                j = owner.setdefault(node, i)
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(rules)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def interval_rows(
    rules: Sequence[Rule], tables: Tables, grid: Grid
) -> list[list[tuple[int, int, int]]]:
    """Return the ``(j, starts, ends)`` rows of each rule on the interval engine, in one query.

    Each rule's membership intervals are those of
    :func:`~segment_lab.engine._queries.segment_history`; in one statement the
    intervals of a sub-rule several rules share (a referenced segment) are one common
    subexpression, computed once where the backend materialises it (DuckDB does).
    """
    ctx = IntervalContext(tables, end=grid.end, horizon=grid.before, grid=grid.positions)
    parts = [
        grid_counts(membership(r, ctx)).mutate(__seg=ibis.literal(i, "int64"))
        for i, r in enumerate(rules)
    ]
    both = ibis.union(*parts, distinct=False).select("__seg", "j", "starts", "ends")
    out: list[list[tuple[int, int, int]]] = [[] for _ in rules]
    for seg, j, starts, ends in execute_rows(both):
        out[int(seg)].append((j, starts, ends))
    return out


def _interval_groups(
    rules: Sequence[Rule], alone: list[int], grid: Grid, plan: str, stats: Any
) -> list[list[int]]:
    """Segments left alone on the interval engine that share sub-rules, two or more a group."""
    if plan == "batched" or len(alone) < 2:
        return []
    ivs = [
        i
        for i in alone
        if plan == "intervals" or choose_plan(rules[i], stats(), grid) == "intervals"
    ]
    groups = _related([rules[i] for i in ivs])
    return [[ivs[g] for g in group] for group in groups if len(group) > 1]


def segment_histories(
    rules: Sequence[Rule],
    tables: Tables,
    grid: Grid,
    plan: str = "auto",
    stats: Callable[[], TableStats] | None = None,
    plans: HistoryPlans | None = None,
    on_done: Callable[[int], Any] | None = None,
) -> list[pd.DataFrame]:
    """``period, size, entered, exited`` of each rule on ``grid``, sharing work (:func:`assign`).

    ``rules`` have their references inlined and are checked (:func:`check_fields`);
    ``plan`` is "auto", "batched" (all shared) or "intervals" (each alone, as
    :func:`~segment_lab.engine._queries.segment_history` runs it); ``stats``: the table
    statistics the choice reads; ``plans``: the workspace's compiled batched plans, for
    segments run alone; ``on_done(n)`` is called as n more segments are done.  Segments
    left alone on the interval engine that share a sub-rule (one references the other)
    run in one interval query (:func:`interval_rows`).
    """
    instants = [grid.before, *grid.points]
    out: dict[int, pd.DataFrame] = {}
    for group in _bitmask_queries(rules, tables, bitmask_members(rules, tables, grid, plan)):
        rows = execute_rows(
            bitmask_many([rules[i] for i in group], tables, grid.positions, instants)
        )
        for k, i in enumerate(group):
            out[i] = history_frame(bitmask_rows(rows, len(instants), k), instants)
        if on_done is not None:
            on_done(len(group))
    if len(out) == len(rules):
        return [out[i] for i in range(len(rules))]
    rest = [i for i in range(len(rules)) if i not in out]
    histories = _shared_histories(
        [rules[i] for i in rest], tables, grid, plan, stats, plans, on_done
    )
    out.update(zip(rest, histories))
    return [out[i] for i in range(len(rules))]


def bitmask_members(rules: Sequence[Rule], tables: Tables, grid: Grid, plan: str) -> list[int]:
    """Return the indices of the rules the catalog runs on the bitmask plan (every one, if forced).

    Under "auto", the rules it suits (:func:`~segment_lab.engine._bitmask.suits`) and,
    where there is one, the rules of attributes alone: the bitmask query reads the
    contacts and their history rows anyway, so such a rule costs it a few columns
    (alone it would be one more query, on the interval plan).

    Examples
    --------
    >>> import segment_lab as sl
    >>> ws = sl.Workspace.demo()
    >>> rules = [sl.field("city") == "Oslo", sl.event("email_open").count(within="30d") >= 3]
    >>> bitmask_members(rules, ws.tables, ws.grid("2025-01-06", "2025-06-30", "1w"), "auto")
    [0, 1]
    >>> bitmask_members(rules[:1], ws.tables, ws.grid("2025-01-06", "2025-06-30", "1w"), "auto")
    []
    """
    if plan not in ("auto", "bitmask"):
        return []
    npos = grid.n + 1
    if plan == "bitmask":
        for rule in rules:
            choose_plan(rule, None, grid, "bitmask", tables)  # raises where it does not apply
        return list(range(len(rules)))
    able = [i for i, rule in enumerate(rules) if why_not(rule, tables, npos) is None]
    chosen = [i for i in able if suits(rules[i], grid.positions)]
    if not chosen:
        return []
    return [i for i in able if i in chosen or not event_nodes(rules[i])]


def _bitmask_queries(rules: Sequence[Rule], tables: Tables, members: list[int]) -> list[list[int]]:
    """Split the bitmask rules into queries: one, or on unvalidated data one per SCD2 rule.

    On validated data a rule reading SCD2 attributes costs the query one aggregate of
    the history rows per contact, shared by all; unvalidated, each such rule is
    evaluated on every history row, so those rules run one by one (their frame pruned
    by the events each needs) and the others together.
    """
    if not members:
        return []
    if tables.validated or tables.history is None:
        return [members]
    hist = set(tables.history_attrs)
    plain = [i for i in members if not hist.intersection(used_fields(rules[i]))]
    return [g for g in [plain, *([i] for i in members if i not in plain)] if g]


def _shared_histories(
    rules: Sequence[Rule],
    tables: Tables,
    grid: Grid,
    plan: str,
    stats: Callable[[], TableStats] | None,
    plans: HistoryPlans | None,
    on_done: Callable[[int], Any] | None,
) -> list[pd.DataFrame]:
    """Return the histories of rules the bitmask plan is not for: shared batched queries or alone."""
    from segment_lab.engine._queries import segment_history

    instants = [grid.before, *grid.points]
    chosen = assign(rules, stats() if plan != "intervals" else None, grid, plan)  # type: ignore[misc,arg-type]
    batches: list[tuple[list[int], Callable[[list[Rule]], list]]] = [
        (chosen.pruned, lambda rs: catalog_rows(rs, tables, grid, True)),
        (chosen.full, lambda rs: catalog_rows(rs, tables, grid, False)),
    ]
    batches += [
        (members, lambda rs: interval_rows(rs, tables, grid))
        for members in _interval_groups(rules, chosen.alone, grid, plan, stats)
    ]
    out: dict[int, pd.DataFrame] = {}
    for members, run in (b for b in batches if b[0]):
        rows = run([rules[i] for i in members])
        out.update({i: history_frame(r, instants) for i, r in zip(members, rows)})
        if on_done is not None:
            on_done(len(members))
    for i in (i for i in chosen.alone if i not in out):
        out[i] = segment_history(rules[i], tables, grid, plan, stats, plans)
        if on_done is not None:
            on_done(1)
    return [out[i] for i in range(len(rules))]
