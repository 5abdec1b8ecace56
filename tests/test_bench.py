"""The benchmark harness itself, at toy sizes: CI proves it runs, never what it measures."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"

RATES = ("commit_floor_per_s", "advance_per_s", "advance_vs_floor", "send_per_s", "smtplib_per_s", "send_vs_smtplib",
         "tick_rows_per_s", "tick_vs_floor", "advance_ms_small", "advance_ms_large", "show_ms_small", "show_ms_large",
         "flat_ratio", "help_s", "python_s", "help_vs_python",
         # the figures that keep the engine honest under load, each with a target in a full or quick run
         "burst_10k_s", "statements_per_advance", "statements_per_fired_row", "audit_verify_per_s", "tick_flat_ratio",
         "scheduler_p99_lateness_s", "scheduler_rss_mb", "show_cli_vs_python", "advance_cli_vs_python",
         "commit_floor_min", "commit_floor_median", "commit_floor_max")


def test_bench_smoke_run_reports_every_measure_as_one_json_object_and_no_pg_duplicates():
    before = set(BENCH.parent.glob("bench-*"))
    done = subprocess.run([sys.executable, str(BENCH), "--smoke", "--json"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["mode"] == "smoke"
    for key in RATES:
        assert isinstance(result[key], float) and math.isfinite(result[key]) and result[key] > 0, key
    assert result["tick_rows"] == 20 and result["flat_records_large"] == 2000
    assert result["sizes"]["burst_rows"] == result["burst_rows"] == 30  # a run says its own size
    # The floor was sampled around the measurements, not once: its spread is reported.
    assert result["commit_floor_samples"] >= 4 and result["commit_floor_min"] <= result["commit_floor_max"]
    # Every late row counted, none left unfired: a lateness of infinity would mean a row the scheduler missed.
    assert result["scheduler_due_rows"] == 20 and math.isfinite(result["scheduler_max_lateness_s"])
    # A smoke run holds no speed target (its numbers mean nothing); the quick run is held to quick targets.
    assert set(result["targets_met"]) <= {"pg_duplicates", "pg_missed"}
    if os.environ.get("GOV_TEST_DATABASE_URL"):
        # Correctness, not speed: several workers on one PostgreSQL fire each due row once.
        assert result["pg_workers"] == 4 and result["pg_duplicates"] == 0 and result["pg_missed"] == 0
        assert result["pg_workers_speedup"] > 0
        # What the machine's cores allow at most, measured in the same run: the speedup is also said against it.
        assert result["cpu_parallel_ceiling"] > 0 and result["pg_workers_vs_ceiling"] > 0
    else:
        assert result["pg_workers"].startswith("skipped")
    assert set(BENCH.parent.glob("bench-*")) == before, "the harness left its scratch folder behind"
