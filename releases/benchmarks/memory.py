"""The peak memory of a command and every process it starts, as the machine sees it.

Memory is counted as PSS (proportional set size, from /proc/<pid>/smaps_rollup):
a page shared by several processes, such as the code and the Django modules
that forked workers share with their parent, counts once over them all, so
the sum over a process tree is what the tree costs the machine.
"""

import os
import subprocess
import threading
from pathlib import Path

# How often the process tree is sampled: a peak shorter than this can be missed.
SAMPLE_SECONDS = 0.1


def children(pid):
    """Return the ids of *pid*'s child processes (none once it has gone)."""
    # A process or a thread may exit at any moment in between: its /proc
    # entries vanish (FileNotFoundError) or refuse to be read (ProcessLookupError).
    try:
        threads = [entry.name for entry in os.scandir(f"/proc/{pid}/task")]
    except OSError:
        return []
    found = []
    for thread in threads:
        try:
            listing = Path(f"/proc/{pid}/task/{thread}/children").read_text()
        except OSError:
            continue
        found += [int(child) for child in listing.split()]
    return found


def tree(pid):
    """Return the ids of *pid* and every process below it."""
    pids, waiting = [], [pid]
    while waiting:
        current = waiting.pop()
        pids.append(current)
        waiting += children(current)
    return pids


def pss_kb(pid):
    """Return the PSS of *pid* in KB, or 0 if it has gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


class PeakPss:
    """Sample the PSS summed over the tree of the process *pid* until stopped."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_kb = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while not self.stopped.wait(SAMPLE_SECONDS):
            total = sum(pss_kb(pid) for pid in tree(self.pid))
            self.peak_kb = max(self.peak_kb, total)

    def stop(self):
        """Stop sampling; return the peak in MB."""
        self.stopped.set()
        self.thread.join()
        return self.peak_kb / 1024


def run_sampled(command, environment):
    """Run *command* in *environment*; return (its exit status, its output, its peak PSS in
    MB summed over its processes). Its errors reach the terminal as it wrote them."""
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, text=True)
    sampler = PeakPss(process.pid)
    output, _ = process.communicate()
    return process.returncode, output, sampler.stop()
