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
         "flat_ratio", "help_s", "python_s", "help_vs_python")


def test_bench_smoke_run_reports_every_measure_as_one_json_object_and_no_pg_duplicates():
    before = set(BENCH.parent.glob("bench-*"))
    done = subprocess.run([sys.executable, str(BENCH), "--smoke", "--json"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["mode"] == "smoke"
    for key in RATES:
        assert isinstance(result[key], float) and math.isfinite(result[key]) and result[key] > 0, key
    assert result["tick_rows"] == 20 and result["flat_records_large"] == 2000
    assert set(result["targets_met"]) >= {"advance_vs_floor", "tick_vs_floor", "flat_ratio", "help_vs_python", "send_vs_smtplib"}
    if os.environ.get("GOV_TEST_DATABASE_URL"):
        # Correctness, not speed: several workers on one PostgreSQL fire each due row once.
        assert result["pg_workers"] == 4 and result["pg_duplicates"] == 0 and result["pg_missed"] == 0
    else:
        assert "pg_workers" not in result
    assert set(BENCH.parent.glob("bench-*")) == before, "the harness left its scratch folder behind"
