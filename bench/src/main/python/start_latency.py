"""Python's multiprocessing, the peer of org.multiprocessing4j.bench.StartLatency.

Usage: start_latency.py FIFO

Reads start methods (fork, forkserver or spawn), one a line, from standard input. For each, starts
one process with that method whose target only opens FIFO and writes one byte to it, so that the
parent learns when the target runs, and prints one line of three numbers in milliseconds, all
measured by this parent from just before start(): when start() returned, when the target's byte
arrived, and when join() returned. One process serves the whole benchmark, so the Java side can
interleave Python's samples with its own, and a forkserver stays up between samples as it would in
a program.
"""

import multiprocessing
import os
import sys
import threading
import time
import warnings


def signal(fifo):
    fd = os.open(fifo, os.O_WRONLY)
    os.write(fd, b"x")
    os.close(fd)


def one(ctx, fifo):
    arrived = []

    def reader():
        fd = os.open(fifo, os.O_RDONLY)  # blocks until the child opens its end
        os.read(fd, 1)
        arrived.append(time.perf_counter())
        os.close(fd)

    waiter = threading.Thread(target=reader, daemon=True)
    waiter.start()
    p = ctx.Process(target=signal, args=(fifo,))
    t0 = time.perf_counter()
    p.start()
    t1 = time.perf_counter()
    p.join()
    t2 = time.perf_counter()
    waiter.join()
    ms = 1000.0
    return (t1 - t0) * ms, (arrived[0] - t0) * ms, (t2 - t0) * ms


def main():
    fifo = sys.argv[1]
    # Python 3.12+ warns that fork() with a thread running may deadlock; ours only waits in open().
    warnings.simplefilter("ignore", DeprecationWarning)
    contexts = {}
    for line in sys.stdin:
        method = line.strip()
        if not method:
            continue
        if method not in contexts:
            contexts[method] = multiprocessing.get_context(method)
        start, running, joined = one(contexts[method], fifo)
        print(f"{start:.3f} {running:.3f} {joined:.3f}", flush=True)


if __name__ == "__main__":
    main()
