"""Dask distributed on this machine, for `bench/run peers`: a scheduler and two worker processes
(`dask-scheduler`, `dask-worker --no-nanny`), all on loopback, as cohort's master and two
`cohort worker` processes are. Run with Debian's python3 (python3-distributed).

    peers_dask.py noop N                     N no-op tasks: tasks/s (map, then wait for all)
    peers_dask.py demo JOBS TASKS SECONDS    JOBS batches of TASKS sleeps of SECONDS: wall
    peers_dask.py cpu TASKS SECONDS [KILL]   TASKS busy loops of SECONDS CPU each; with KILL,
                                             kill -9 of one worker KILL s after the submit
    peers_dask.py latency N                  N times submit one no-op and wait: ms per round trip

Prints one JSON object on stdout."""
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from distributed import Client, wait


def noop(i):
    return i


async def sleep_task(seconds):
    # A coroutine: the worker runs it on its event loop, so many wait at once (as cohort's
    # sleep tasks do), given enough task slots (--nthreads).
    await asyncio.sleep(seconds)
    return 1


def spin(seconds):
    end = time.thread_time() + seconds
    n = 0
    while time.thread_time() < end:
        n += 1
    return 1


class Cluster:
    def __init__(self, nthreads):
        self.dir = tempfile.mkdtemp(prefix="peers-dask-")
        self.file = os.path.join(self.dir, "scheduler.json")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
                 "stdin": subprocess.DEVNULL}
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", "0", "--no-dashboard", "--scheduler-file", self.file], **quiet)
        deadline = time.monotonic() + 60
        while not os.path.exists(self.file):
            if time.monotonic() > deadline or self.scheduler.poll() is not None:
                raise SystemExit("dask-scheduler did not start")
            time.sleep(0.05)
        self.workers = [subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", self.file,
             "--nthreads", str(nthreads), "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
             "--local-directory", self.dir], **quiet) for _ in range(2)]
        self.client = Client(scheduler_file=self.file)
        self.client.wait_for_workers(2, timeout=60)
        # One round trip first: the workers import the task functions' module.
        self.client.submit(noop, -1, pure=False).result()

    def close(self):
        self.client.close()
        for p in self.workers + [self.scheduler]:
            if p.poll() is None:
                p.kill()
            p.wait()


def main():
    mode, args = sys.argv[1], [float(a) for a in sys.argv[2:]]
    if mode == "noop":
        c = Cluster(1)
        n = int(args[0])
        t = time.monotonic()
        wait(c.client.map(noop, range(n), pure=False))
        out = {"tasks": n, "wall_s": time.monotonic() - t}
        out["tasks_per_s"] = n / out["wall_s"]
    elif mode == "demo":
        jobs, tasks, seconds = int(args[0]), int(args[1]), args[2]
        c = Cluster(jobs * tasks)
        t = time.monotonic()
        futures = []
        for j in range(jobs):
            futures += c.client.map(sleep_task, [seconds] * tasks, pure=False)
        done = sum(c.client.gather(futures))
        out = {"tasks": done, "wall_s": time.monotonic() - t}
    elif mode == "cpu":
        tasks, seconds = int(args[0]), args[1]
        c = Cluster(1)
        killed = None
        t = time.monotonic()
        futures = c.client.map(spin, [seconds] * tasks, pure=False)
        if len(args) > 2:
            time.sleep(max(0.0, t + args[2] - time.monotonic()))
            os.kill(c.workers[1].pid, signal.SIGKILL)
            killed = time.monotonic() - t
        done = sum(c.client.gather(futures))
        out = {"tasks": done, "wall_s": time.monotonic() - t, "killed_at_s": killed}
    elif mode == "latency":
        c = Cluster(1)
        times = []
        for i in range(int(args[0])):
            t = time.monotonic()
            c.client.submit(noop, i, pure=False).result()
            times.append((time.monotonic() - t) * 1000)
        out = {"p50_ms": statistics.median(times), "mean_ms": statistics.mean(times)}
    else:
        raise SystemExit(f"peers_dask.py: unknown mode {mode}")
    c.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
