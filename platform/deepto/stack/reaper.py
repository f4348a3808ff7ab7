"""The stack's reaper: marks failed the runs whose driver process died (``python -m deepto.stack.reaper``).

A driver killed mid-run (Ctrl-C twice, an out-of-memory kill, a lost node) cannot close its own run
record; without this, it would show as "running" for ever in ``deepto runs`` and on the dashboard.
"""

from __future__ import annotations

import time

from deepto.settings import get_settings
from deepto.store import Store

INTERVAL_S = 10.0


def main() -> None:
    store = Store.open(get_settings().db_url)
    while True:
        try:
            for run_id in store.reap_dead_runs():
                print(f"run {run_id}: driver gone, marked failed", flush=True)
        except Exception as exc:  # a database restart must not end the reaper: the next round retries
            print(f"reaper: {type(exc).__name__}: {exc}", flush=True)
        time.sleep(INTERVAL_S)


if __name__ == "__main__":
    main()
