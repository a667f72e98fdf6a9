"""`make bench` runs: a smoke run of bench/run.py on tiny data (it must run and print its table;
the ceilings are for real runs and are not judged here — timings never go into unit tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.harness import Baseline, Case, measure, report

ROOT = Path(__file__).resolve().parent.parent


def test_the_bench_runs_on_tiny_data_and_prints_its_table():
    result = subprocess.run(
        [sys.executable, "bench/run.py", "--registrations", "30", "--rounds", "2", "--no-check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 events × 30 registrations" in result.stdout
    for name in ("rows", "json", "dashboard service", "dashboard.json", "dashboard page"):
        assert name in result.stdout


def test_a_case_over_its_ceiling_is_reported_as_over():
    baseline = Baseline("quick", lambda: None, "nothing")
    slow = Case("slow", lambda: sum(range(20_000)), baseline="quick", ceiling=1.0)
    results = measure([baseline], [slow], rounds=3)
    assert [result.over for result in results] == [False, True]
    assert "OVER" in report(results)
