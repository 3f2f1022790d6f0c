"""Stopping a server that runs as a child process (``pipeline serve``, gunicorn), for the
benchmark's harvests and for the tests that run the endpoint over HTTP."""

from __future__ import annotations

import subprocess


def stop_server(process: subprocess.Popen, timeout: float) -> None:
    """Ask the server to stop (SIGTERM, which lets it close its store), wait up to ``timeout``
    seconds, then kill it if it has not gone: the caller goes on with a reaped process
    either way, so a stuck server does not outlive the run or the test."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
