"""The benchmark harness: cases measured against baselines of the same run, with ceilings.

A number of milliseconds means little on its own (a busy laptop, a CI box, a server), so
every case names a *baseline* — something trivial of the same kind, measured in the same
run — and is reported as the ratio of the medians. Each case has a *ceiling* for that
ratio; :func:`report` prints one table and says which cases are over their ceiling, and
``bench/run.py`` exits non-zero then.

The calls are interleaved round by round (baselines and cases in a rotating order), so
that drift of the machine (another process, a warm cache) hits all of them alike.

A module ``bench/<topic>_bench.py`` contributes cases with a function
``cases(ctx: Context) -> list[Case]``; ``bench/run.py`` collects them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Baseline:
    """Something trivial of the same kind as the cases that name it."""

    name: str
    call: Callable[[], object]
    description: str


@dataclass(frozen=True)
class Case:
    name: str
    call: Callable[[], object]
    #: The name of the :class:`Baseline` this case is divided by.
    baseline: str
    #: The highest acceptable ratio median(case) / median(baseline).
    ceiling: float
    #: An absolute target to print beside (e.g. "< 150 ms" from issue 11); informative only.
    target_ms: float | None = None


@dataclass
class Context:
    """What case modules build on: the app, the session, a signed-in test client and the data's ids."""

    app: Any
    session: Any
    client: Any
    ids: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    name: str
    baseline: str
    median_ms: float
    p90_ms: float
    baseline_ms: float
    ceiling: float | None
    target_ms: float | None

    @property
    def ratio(self) -> float:
        return self.median_ms / self.baseline_ms if self.baseline_ms else float("inf")

    @property
    def over(self) -> bool:
        return self.ceiling is not None and self.ratio > self.ceiling


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * 0.9) - 1, 0)]


def measure(
    baselines: list[Baseline],
    cases: list[Case],
    *,
    rounds: int,
    after: Callable[[], object] = lambda: None,
) -> list[Result]:
    """Time every baseline and case ``rounds`` times, interleaved; ``after`` runs after each call
    (outside the timing), e.g. to end the transaction so that every call starts fresh."""
    known = {baseline.name for baseline in baselines}
    for case in cases:
        if case.baseline not in known:
            raise ValueError(f"case {case.name!r} names an unknown baseline {case.baseline!r}")
    items: list[Baseline | Case] = [*baselines, *cases]
    for item in items:  # warm-up: caches, compiled statements, imports
        item.call()
        after()
    times: dict[str, list[float]] = {item.name: [] for item in items}
    for round_ in range(rounds):
        shift = round_ % len(items)
        for item in items[shift:] + items[:shift]:
            started = time.perf_counter()
            item.call()
            times[item.name].append((time.perf_counter() - started) * 1000)
            after()
    medians = {name: statistics.median(values) for name, values in times.items()}
    results = [
        Result(b.name, b.name, medians[b.name], _p90(times[b.name]), medians[b.name], None, None) for b in baselines
    ]
    results += [
        Result(c.name, c.baseline, medians[c.name], _p90(times[c.name]), medians[c.baseline], c.ceiling, c.target_ms)
        for c in cases
    ]
    return results


def report(results: list[Result]) -> str:
    """One table: median and p90 per row, the ratio to its baseline and the ceiling, OK or OVER."""
    width = max(len(result.name) for result in results) + 2
    lines = [
        f"{'case':{width}} {'median':>10} {'p90':>10} {'÷ baseline':>11} {'ceiling':>8}  verdict",
        "-" * (width + 58),
    ]
    for result in results:
        if result.ceiling is None:
            lines.append(f"{result.name:{width}} {result.median_ms:7.2f} ms {result.p90_ms:7.2f} ms {'baseline':>11}")
            continue
        verdict = "OVER" if result.over else "ok"
        if result.target_ms is not None:
            verdict += (
                f" (target < {result.target_ms:g} ms: {'met' if result.median_ms < result.target_ms else 'MISSED'})"
            )
        lines.append(
            f"{result.name:{width}} {result.median_ms:7.2f} ms {result.p90_ms:7.2f} ms "
            f"{result.ratio:10.1f}× {result.ceiling:7.1f}×  {verdict}"
        )
    return "\n".join(lines)
