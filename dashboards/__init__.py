"""The managers' dashboards: a Streamlit multipage app, ``Home.py`` (login, filters) + ``views/``.

Pages only lay out; numbers come from :mod:`deepto.dashboard_data`. ``deepto dashboard`` calls
:func:`launch`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

APP = Path(__file__).with_name("Home.py")


def streamlit_command(host: str = "127.0.0.1", port: int = 8501, headless: bool = True) -> list[str]:
    """The ``streamlit run`` command line of the dashboard server."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host, "--server.port", str(port), "--server.headless", str(headless).lower(),
        # A dashboard server, not a development loop: no file watching, no usage reports, and
        # exception details stay in the server log instead of a manager's browser.
        "--server.fileWatcherType", "none", "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false", "--client.showErrorDetails", "none",
        "--client.toolbarMode", "viewer",
    ]


def launch(host: str = "127.0.0.1", port: int = 8501, headless: bool = True) -> int:
    """Serve the dashboard until interrupted; returns the server's exit code."""
    try:
        return subprocess.call(streamlit_command(host, port, headless))
    except KeyboardInterrupt:  # the server got the same Ctrl-C and stops on its own
        return 0
