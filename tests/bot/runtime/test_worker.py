"""`lantern worker` and `lantern tick` step back for the web process's requests."""

from __future__ import annotations

import subprocess
import sys

NICENESS_GAINED = (
    "import os\n"
    "from bot.runtime.worker import BACKGROUND_NICENESS, yield_cpu_to_requests\n"
    "before = os.nice(0)\n"
    "yield_cpu_to_requests()\n"
    "print(os.nice(0) - before, BACKGROUND_NICENESS)\n"
)


def test_a_worker_lowers_its_own_cpu_priority() -> None:
    mine = subprocess.run(
        [sys.executable, "-c", "import os; print(os.nice(0))"], capture_output=True, text=True
    )
    done = subprocess.run(
        [sys.executable, "-c", NICENESS_GAINED], capture_output=True, text=True, check=True
    )
    gained, expected = (int(part) for part in done.stdout.split())
    start = int(mine.stdout)
    assert gained == min(expected, 19 - start) > 0  # nice values stop at 19
