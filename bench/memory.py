"""Run a command as a child process and measure it: wall time, CPU time and peak memory.

Two memory figures, because ``--jobs N`` runs N worker processes beside the parent:

- ``max_rss``: the largest resident set of any single process of the tree (``wait4``'s
  ``ru_maxrss`` covers the child and the descendants it waited for);
- ``peak_tree_pss``: the peak, over time, of the whole tree's proportional set size (PSS,
  from ``/proc/<pid>/smaps_rollup``, sampled every ``interval`` seconds; reading it walks
  the page tables, so sampling is kept sparse to leave the CPUs to the run): pages that forked
  workers share with the parent are counted once, so this is what the run costs the
  machine. ``peak_tree_rss`` sums plain RSS and so over-counts shared pages.

Sampling can miss a short spike; ``max_rss`` cannot, so both are reported.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class ChildRun:
    returncode: int
    wall: float  # seconds
    cpu_user: float  # seconds, child and its waited-for descendants
    cpu_system: float
    max_rss: int  # bytes, the largest single process
    peak_tree_rss: int  # bytes, sampled
    peak_tree_pss: int  # bytes, sampled (0 where /proc has no smaps_rollup)
    stdout: str
    stderr: str
    tree_cpu: float = 0.0  # seconds, every process of the tree (sampled: see _Sampler)
    root_cpu: float = 0.0  # seconds, the child process itself (without its descendants; sampled)

    @property
    def cpu(self) -> float:
        return self.cpu_user + self.cpu_system


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            found.extend(int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split())
        except OSError:
            continue
    return found


def process_tree(pid: int) -> list[int]:
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(_children(current))
    return tree


def _memory_of(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes; (0, 0) once the process is gone."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
        return rss, pss
    except OSError:
        pass
    try:  # older kernels: RSS only
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE"), 0
    except (OSError, IndexError, ValueError):
        return 0, 0


def _cpu_of(pid: int) -> float:
    """Seconds of CPU (user + system) ``pid`` has used itself; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


class _Sampler(threading.Thread):
    """Memory and CPU of every process of the tree, once per ``interval``.

    The CPU of the whole tree is summed from each process's last sample: wait4's usage
    counts only descendants that were waited for, and process-pool workers are children of
    the forkserver, which nobody waits for, so it missed the workers' CPU altogether. A
    process's last ``interval`` before it exits may be missed."""

    def __init__(self, pid: int, interval: float):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0
        self.cpu_by_pid: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            rss = pss = 0
            for member in process_tree(self.pid):
                member_rss, member_pss = _memory_of(member)
                rss += member_rss
                pss += member_pss
                self.cpu_by_pid[member] = max(self.cpu_by_pid.get(member, 0.0), _cpu_of(member))
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.stop.wait(self.interval)


def run_measured(argv: list[str], *, cwd: Path | None = None, env: dict | None = None, interval: float = 0.5,
                 output_dir: Path | None = None) -> ChildRun:
    """Run ``argv`` to completion; its output goes to files (a pipe could fill and stall it)."""
    output_dir = output_dir or Path(os.environ.get("TMPDIR", "/tmp"))
    output_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = output_dir / "child.stdout", output_dir / "child.stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err)
        sampler = _Sampler(process.pid, interval)
        sampler.start()
        # wait4 rather than Popen.wait: it also returns the child's resource usage.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop.set()
        sampler.join()
    return ChildRun(
        returncode=process.returncode,
        wall=wall,
        cpu_user=usage.ru_utime,
        cpu_system=usage.ru_stime,
        tree_cpu=max(usage.ru_utime + usage.ru_stime, sum(sampler.cpu_by_pid.values())),
        root_cpu=sampler.cpu_by_pid.get(process.pid, 0.0),
        max_rss=usage.ru_maxrss * 1024,  # Linux reports kilobytes
        peak_tree_rss=sampler.peak_rss,
        peak_tree_pss=sampler.peak_pss,
        stdout=out_path.read_text(encoding="utf-8", errors="replace"),
        stderr=err_path.read_text(encoding="utf-8", errors="replace"),
    )
