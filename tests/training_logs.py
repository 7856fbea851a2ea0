"""Running the resumable training jobs (resumable_training_job.py, resumable_tf_job.py),
killing them mid-epoch, and reading their step logs: each line is ``STEP EPOCH i,j,k``, after
a ``start STEP`` line per run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path


def steps_after_resumes(log: str) -> list[tuple[int, int, list[int]]]:
    """The (step, epoch, indices) a training run kept: each restart redoes the steps after
    its checkpoint, so a killed run's steps from the next run's start on are dropped."""
    runs: list[tuple[int, list[tuple[int, int, list[int]]]]] = []
    for line in log.splitlines():
        if line.startswith("start "):
            runs.append((int(line.split()[1]), []))
        else:
            step, epoch, indices = line.split()
            runs[-1][1].append((int(step), int(epoch), [int(i) for i in indices.split(",")]))
    kept = []
    for position, (_, steps) in enumerate(runs):
        next_start = runs[position + 1][0] if position + 1 < len(runs) else None
        kept += [entry for entry in steps if next_start is None or entry[0] < next_start]
    return kept


def steps_of_run(log: str, run: int) -> int:
    """Steps logged by the `run`-th start of the job so far (-1 before it starts)."""
    lines = log.splitlines()
    starts = [n for n, line in enumerate(lines) if line.startswith("start ")]
    return len(lines) - starts[run] - 1 if len(starts) > run else -1


def write_json_atomically(path: str, state: object) -> None:
    """`state` as JSON at `path`, fsync'd and renamed into place: a job killed mid-write
    leaves the previous checkpoint."""
    with open(path + ".tmp", "w") as file:
        json.dump(state, file)
        file.flush()
        os.fsync(file.fileno())
    os.replace(path + ".tmp", path)


def kill_and_finish(command: Sequence[str], log: Path, steps_before_kills: Sequence[int]) -> list:
    """Run the job `command` once per entry of `steps_before_kills`, SIGKILLing each run once
    it has logged that many steps, then once to the end; returns the steps kept (see
    :func:`steps_after_resumes`) after checking each run started where the last one saved."""
    log.touch()
    for run, steps_before_kill in enumerate(steps_before_kills):
        process = subprocess.Popen(command)
        deadline = time.monotonic() + 120
        while steps_of_run(log.read_text(), run) < steps_before_kill:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert subprocess.run(command, timeout=240).returncode == 0
    assert log.read_text().count("start") == len(steps_before_kills) + 1
    kept = steps_after_resumes(log.read_text())
    assert [step for step, _, _ in kept] == list(range(len(kept)))
    return kept
