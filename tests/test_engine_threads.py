"""Queries from several threads: each thread off the main one counts on a cursor of its own.

Two threads counting different rules at once get the right numbers (checked against the
plain-Python reference evaluator) on in-memory tables and on files read through
temporary views; a count runs beside a long query that holds the shared connection; an
interrupt aimed at one thread stops that thread's query and no other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

import segment_lab as sl
from segment_lab import event, field
from segment_lab.engine import _execute, interrupt, release_cursors, resume
from segment_lab.engine._execute import run_scalar_sql
from segment_lab.errors import EvaluationError
from tests import hand_cases
from tests.reference import evaluate

RULES = (
    field("city") == "Tokyo",
    event("email_open").count(within="7d") >= 2,
)
INSTANTS = [hand_cases.d(day, hour) for day in range(1, 13) for hour in (0, 12)]
HUGE = "select count(*) from range(100000000000) a"  # minutes, unless interrupted


def _expected(rule: sl.Rule) -> list[int]:
    return [len(evaluate(rule, t, hand_cases.DATA, hand_cases.CATALOG)) for t in INSTANTS]


def _in_threads(ws: sl.Workspace, rounds: int = 3) -> tuple[list[list[int]], list[int]]:
    """Count each rule at every instant, ``rounds`` times, one thread per rule, at once."""
    start = threading.Barrier(len(RULES))
    results: list[list[int]] = [[] for _ in RULES]
    cursors: list[int] = [0 for _ in RULES]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            start.wait(30)
            for _ in range(rounds):
                results[i] += [ws.count(RULES[i], as_of=t) for t in INSTANTS]
            ident = threading.get_ident()
            cursors[i] = sum(key[0] == ident for key in _execute._CURSORS)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            release_cursors()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(RULES))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    return results, cursors


def test_two_threads_counting_different_rules_get_the_right_numbers(hand_ws):
    results, cursors = _in_threads(hand_ws)
    for rule, got in zip(RULES, results):
        assert got == _expected(rule) * 3, rule
    assert cursors == [1, 1]  # each thread counted on a cursor of its own


def test_on_files_read_through_temporary_views_too(tmp_path):
    frames = hand_cases.DATA.to_frames()
    paths = {}
    for name in ("contacts", "events"):
        paths[name] = tmp_path / f"{name}.parquet"
        frames[name].to_parquet(paths[name])
    ws = sl.Workspace.read(**paths)
    results, cursors = _in_threads(ws, rounds=1)
    for rule, got in zip(RULES, results):
        assert got == _expected(rule), rule
    assert cursors == [1, 1]


def _thread(target: Callable[[], Any], outcome: dict[str, Any], key: str) -> threading.Thread:
    def run() -> None:
        try:
            outcome[key] = target()
        except EvaluationError as exc:
            outcome[key] = exc
        finally:
            release_cursors()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the condition did not come true in time")
        time.sleep(0.01)


def test_a_count_runs_beside_a_long_query_on_the_shared_connection(demo_ws):
    backend = demo_ws.tables.contacts._find_backend()
    rule = field("city") == "Tokyo"
    expected = demo_ws.count(rule)  # (the main thread's count, on the shared connection)
    outcome: dict[str, Any] = {}

    def count_then_stop_the_long_query() -> int:
        main = threading.main_thread().ident
        _wait_for(lambda: main in _execute._SHARED_BY.values())  # the long query runs
        try:
            return demo_ws.count(rule)  # would wait for the long query under one lock
        finally:
            interrupt(demo_ws.tables.contacts)  # ends the main thread's long query

    worker = _thread(count_then_stop_the_long_query, outcome, "count")
    with pytest.raises(EvaluationError, match="Interrupt"):
        run_scalar_sql(backend, HUGE)  # the notebook's long query, on the main thread
    worker.join(60)
    assert outcome["count"] == expected


def test_interrupting_one_thread_leaves_the_others_query_running(demo_ws):
    backend, contacts = demo_ws.tables.contacts._find_backend(), demo_ws.tables.contacts
    outcome: dict[str, Any] = {}
    threads = {k: _thread(lambda: run_scalar_sql(backend, HUGE), outcome, k) for k in "ab"}
    running = lambda k: (threads[k].ident, id(backend.con)) in _execute._CURSORS  # noqa: E731
    try:
        _wait_for(lambda: running("a") and running("b"))
        time.sleep(0.2)  # both queries under way
        interrupt(contacts, threads["a"])
        threads["a"].join(60)
        assert isinstance(outcome["a"], EvaluationError)
        assert "b" not in outcome and threads["b"].is_alive()  # b's query goes on
    finally:
        interrupt(contacts, threads["b"])
        threads["b"].join(60)
    assert isinstance(outcome["b"], EvaluationError)


def test_an_interrupt_before_the_query_stops_it_as_it_starts_until_resume(demo_ws):
    backend, contacts = demo_ws.tables.contacts._find_backend(), demo_ws.tables.contacts
    outcome: dict[str, Any] = {}
    go = threading.Event()

    def two_queries() -> tuple[Any, int]:
        go.wait(30)
        try:
            first: Any = run_scalar_sql(backend, "select 1")
        except EvaluationError as exc:
            first = exc
        resume()
        return first, run_scalar_sql(backend, "select 2")

    worker = _thread(two_queries, outcome, "result")
    interrupt(contacts, worker)  # before its query begins
    go.set()
    worker.join(60)
    first, second = outcome["result"]
    assert isinstance(first, EvaluationError) and "before it began" in str(first)
    assert second == 2
