# SPDX-License-Identifier: GPL-2.0
"""Guest scenarios: module load/unload and the KUnit suites."""

import subprocess
import sys

from guest import LOGS, run_scenario
from kernel_tree import kunit_py


def test_modules_load_and_unload():
    run = run_scenario("load")
    run.check()


def test_kunit_suites():
    run = run_scenario("kunit")
    run.check(expect_steps=["insmod-oxdma_kunit"])
    json_path = LOGS / "kunit.json"
    parse = subprocess.run(
        [sys.executable, str(kunit_py()), "parse", "--json", str(json_path), str(run.log_path)],
        capture_output=True, text=True)
    assert parse.returncode == 0, (
        f"kunit.py parse reports failures (full log: {run.log_path}):\n"
        + parse.stdout + parse.stderr)
