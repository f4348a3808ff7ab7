"""Run leases: which process drives a running pipeline run, and the heartbeat that keeps its lease fresh.

The store leases every run it starts to the calling process and beats for it from a daemon thread;
:meth:`deepto.store.Store.reap_dead_runs` (called by ``Store.open`` and by the stack's reaper) marks
failed a run whose driver is gone: on the driver's own host the process table says so at once, from
another host a heartbeat silent for ``STALE_AFTER_S`` does.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psutil
from sqlalchemy import update

from deepto.db_models import RunLease, utcnow

HEARTBEAT_S = 30.0
STALE_AFTER_S = 10 * HEARTBEAT_S
# A start time read twice can differ by a clock tick; a reused pid starts far later.
_SAME_START_S = 1.0


def this_process() -> dict[str, Any]:
    """The lease columns for a run driven by the calling process."""
    return {"host": socket.gethostname(), "pid": os.getpid(),
            "process_started_at": psutil.Process().create_time(), "heartbeat_at": utcnow()}


def driver_alive(lease: RunLease, host: str, now: datetime, stale_after_s: float = STALE_AFTER_S) -> bool:
    """Whether the lease's driver still runs, as seen from ``host``."""
    if lease.host != host:
        return (now - lease.heartbeat_at).total_seconds() < stale_after_s
    try:
        process = psutil.Process(lease.pid)
        # A pid is reused after its process ends: only the same start time means the same driver.
        return abs(process.create_time() - lease.process_started_at) < _SAME_START_S and \
            process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


class Heartbeat:
    """Refreshes the leases of the runs this process drives, from a daemon thread while there are any."""

    def __init__(self, session: Callable):
        self._session, self._runs, self._lock, self._thread = session, set(), threading.Lock(), None

    def add(self, run_id: str) -> None:
        with self._lock:
            self._runs.add(run_id)
            if self._thread is None:
                self._thread = threading.Thread(target=self._beat, name="deepto-run-heartbeat", daemon=True)
                self._thread.start()

    def discard(self, run_id: str) -> None:
        with self._lock:
            self._runs.discard(run_id)

    def _beat(self) -> None:
        while True:
            time.sleep(HEARTBEAT_S)
            with self._lock:
                runs = list(self._runs)
                if not runs:
                    self._thread = None
                    return
            try:
                with self._session() as session:
                    session.execute(update(RunLease).where(RunLease.run_id.in_(runs)).values(heartbeat_at=utcnow()))
            except Exception:  # the database away for a moment: the next beat tries again
                continue
