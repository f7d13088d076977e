"""Parameter sweeps: one definition with parameters, expanded over a grid of values."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from segment_lab.errors import InvalidValueError
from segment_lab.model import Rule, Segment

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Sweep", "sweep"]


class Sweep:
    """Named segments, one per combination of parameters, and the parameters of each.

    Iterating yields the segments (so a sweep goes wherever a list of segments does,
    e.g. :func:`backtest`); :attr:`params` is a frame ``segment`` + one column per
    parameter, to join with a backtest's summary.
    """

    def __init__(self, segments: list[Segment], params: list[dict[str, Any]]) -> None:
        self._segments = tuple(segments)
        self._params = tuple(params)

    def __iter__(self) -> Iterator[Segment]:
        return iter(self._segments)

    def __len__(self) -> int:
        return len(self._segments)

    def __getitem__(self, i: int) -> Segment:
        return self._segments[i]

    @property
    def names(self) -> tuple[str, ...]:
        """The segments' names, which say their parameters."""
        return tuple(s.name for s in self._segments)

    @property
    def params(self) -> pd.DataFrame:
        """``segment`` and one column per swept parameter, one row per segment."""
        import pandas as pd

        rows = [{"segment": s.name, **p} for s, p in zip(self._segments, self._params)]
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        return (
            f"Sweep({len(self)} segments: {', '.join(self.names[:3])}{', ...' * (len(self) > 3)})"
        )


def _label(template: Callable, params: dict[str, Any]) -> str:
    name = getattr(template, "__name__", None) or type(template).__name__
    args = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return f"{name}({args})"


def sweep(template: Callable[..., Segment | Rule], **grid: Any) -> Sweep:
    """Expand a definition with parameters over every combination of the values given.

    Parameters
    ----------
    template
        A template function (:mod:`segment_lab.templates`) or any callable taking the
        parameters as keywords and returning a Segment or a rule.
    **grid
        Each parameter's values: a list (or any iterable); a single string or number is
        one value.

    Returns
    -------
    Sweep
        One segment per combination, in the order of ``itertools.product``, named
        ``template(param=value, ...)``.

    Raises
    ------
    InvalidValueError
        When no parameter or no value is given, or the callable returns neither a
        Segment nor a rule.

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab import templates
    >>> sw = sl.sweep(templates.newsletter_readers, min_opens=[1, 3], within=["7d", "30d"])
    >>> sw.names[:2]
    ("newsletter_readers(min_opens=1, within='7d')", "newsletter_readers(min_opens=1, within='30d')")
    >>> sw.params.columns.tolist(), len(sw)
    (['segment', 'min_opens', 'within'], 4)
    """
    if not callable(template):
        raise InvalidValueError(f"sweep() needs a template function or callable, got {template!r}.")
    if not grid:
        raise InvalidValueError("sweep() needs at least one parameter, e.g. min_opens=[1, 2, 3].")
    values = {
        k: [v] if isinstance(v, (str, bytes, int, float)) else list(v) for k, v in grid.items()
    }
    empty = [k for k, v in values.items() if not v]
    if empty:
        raise InvalidValueError(f"sweep() got no values for {empty[0]!r}.")
    segments, params = [], []
    for combo in itertools.product(*values.values()):
        p = dict(zip(values, combo))
        made = template(**p)
        label = _label(template, p)
        if isinstance(made, Segment):
            segments.append(made.with_name(label))
        elif isinstance(made, Rule):
            segments.append(Segment(label, made))
        else:
            raise InvalidValueError(
                f"{label} returned {made!r}; a sweep's callable must return a Segment or a rule."
            )
        params.append(p)
    return Sweep(segments, params)
