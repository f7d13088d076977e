"""Debounced counting off the UI thread, where a newer edit supersedes an older count.

Every :meth:`Counter.submit` gets a new *generation*.  One worker thread waits for the
edits to pause (the debounce), then runs the job's stages (the count first, then the
extras: the funnel, the sparkline ...).  A stage's result is published only while its
generation is still the newest, checked under the lock that ``submit`` takes, so a stale
result can never overwrite a newer one.  A submit that arrives while a job runs
interrupts its query (the superseded query is not awaited), and the job's later
queries fail as they start.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from segment_lab.engine import release_cursors, resume

__all__ = ["Counter"]

Job = Callable[[], Iterator[tuple[str, Any]]]

#: Counters whose worker may still run; stopped before the interpreter exits, so that no
#: DuckDB query is left running on a daemon thread while its connection is torn down.
_LIVE: weakref.WeakSet[Counter] = weakref.WeakSet()


@atexit.register
def _stop_all(timeout: float = 2.0) -> None:
    for counter in list(_LIVE):
        counter.close(timeout)


class Counter:
    """Run jobs on a worker thread; publish only the stages of the newest one.

    Parameters
    ----------
    publish : callable
        ``publish(stage, value)`` for each stage of the newest job (``stage`` "error" with
        the exception when it fails); called on the worker thread, under the lock.
    interrupt : callable
        Stops the query that the worker thread (:attr:`thread`) runs now (called when a
        newer job arrives meanwhile); it must leave other threads' queries alone.
    debounce : float
        Seconds of quiet after the last submit before a job starts.
    final : str
        The stage after which a job's result is current (:meth:`wait` returns): "count"
        for the builder (its extras come later), the last stage for the explorer.
    """

    def __init__(
        self,
        publish: Callable[[str, Any], None],
        interrupt: Callable[[], object],
        debounce: float = 0.3,
        final: str = "count",
    ) -> None:
        self.publish, self.interrupt, self.debounce = publish, interrupt, debounce
        self.final = final
        self.generation = 0
        self.done = 0  # the newest generation whose final stage (e.g. the count) is published
        self._pending: Job | None = None
        self._due = 0.0
        self._running = False
        self._closed = False
        self.lock = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="segment-lab-counter", daemon=True)
        self._thread.start()
        _LIVE.add(self)

    def submit(self, job: Job, on_submit: Callable[[], None] | None = None) -> int:
        """Queue ``job`` as the newest generation; interrupt a running query. Return its number.

        ``on_submit`` runs under the lock once the generation is counted, so what it shows
        (e.g. "counting…") cannot be overwritten by an older job's result.
        """
        with self.lock:
            self.generation += 1
            if on_submit is not None:
                on_submit()
            self._pending = job
            self._due = time.monotonic() + self.debounce
            if self._running:
                self.interrupt()
            self.lock.notify_all()
            return self.generation

    def current(self, generation: int) -> bool:
        """Tell whether ``generation`` is still the newest."""
        return generation == self.generation

    def wait(self, timeout: float) -> bool:
        """Block until the newest generation's final stage is published; False on timeout."""
        with self.lock:
            return self.lock.wait_for(lambda: self._closed or self.done == self.generation, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Stop the worker thread, interrupting the query it runs.

        With a ``timeout``, wait up to that many seconds for the thread to end.
        """
        with self.lock:
            self._closed = True
            self._pending = None
            self.generation += 1  # whatever runs now is superseded: publish nothing more
            if self._running:
                self.interrupt()
            self.lock.notify_all()
        if timeout is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        _LIVE.discard(self)

    def _next(self) -> tuple[int, Job] | None:
        with self.lock:
            while not self._closed:
                if self._pending is not None:
                    remaining = self._due - time.monotonic()
                    if remaining <= 0:
                        job, self._pending = self._pending, None
                        resume()  # under the lock: an interrupt from now on stops this job
                        self._running = True
                        return self.generation, job
                    self.lock.wait(remaining)
                else:
                    self.lock.wait()
            return None

    @property
    def thread(self) -> threading.Thread:
        """The worker thread (its queries run on DuckDB cursors of its own)."""
        return self._thread

    def _loop(self) -> None:
        try:
            while (task := self._next()) is not None:
                generation, job = task
                try:
                    self._run(generation, job)
                finally:
                    with self.lock:
                        self._running = False
                        self.lock.notify_all()
        finally:
            release_cursors()

    def _run(self, generation: int, job: Job) -> None:
        stages = job()
        while self.current(generation):
            try:
                stage, value = next(stages)
            except StopIteration:
                return
            except Exception as exc:  # shown in the UI as a message, never as a traceback
                stage, value = "error", exc
            with self.lock:
                if stage == "pause":  # let a newer edit come first: no query to interrupt
                    self.lock.wait_for(lambda: not self.current(generation), value)
                if not self.current(generation):
                    return
                if stage == "pause":
                    continue
                self.publish(stage, value)
                if stage in (self.final, "error"):
                    self.done = generation
                    self.lock.notify_all()
            if stage == "error":
                return
