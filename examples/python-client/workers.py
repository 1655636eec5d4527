"""Worker threads fed through a bounded queue by one scheduler thread.

The outbox, not the queue, is the source of truth: the scheduler moves due rows into
the queue only as far as it has room, so an overload slows delivery down instead of
losing work, and a restart rebuilds the queue from the outbox.
"""

import logging
import queue
import threading
import time

log = logging.getLogger("python-client")


class Workers:
    """Runs `step(number)` for every due invoice, never twice at once for one invoice."""

    def __init__(self, outbox, step, workers=4, queue_size=64, clock=time.time):
        self.outbox = outbox
        self.step = step
        self.clock = clock
        self.queue = queue.Queue(maxsize=queue_size)
        self.n_workers = workers
        self._in_flight = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads = []

    def wake(self):
        """Something became due (a new invoice, a reconciliation): look now."""
        self._wake.set()

    def stop(self):
        """Let the threads finish their current step and end (tests use this)."""
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            t.join(timeout=10)

    def start(self):
        self._threads = [threading.Thread(target=self._work, name=f"worker-{i}", daemon=True)
                         for i in range(self.n_workers)]
        self._threads.append(threading.Thread(target=self._schedule, name="scheduler", daemon=True))
        for t in self._threads:
            t.start()

    def _schedule(self):
        while not self._stop.is_set():
            try:
                self._feed()
            except Exception:  # noqa: BLE001 - a scheduler that dies loses every invoice
                log.exception("scheduler pass failed")
            next_at = self.outbox.next_due_at()
            timeout = 0.5 if next_at is None else min(0.5, max(0.01, next_at - self.clock()))
            self._wake.wait(timeout)
            self._wake.clear()

    def _feed(self):
        room = self.queue.maxsize - self.queue.qsize()
        if self._stop.is_set():
            return
        if room <= 0:
            return
        with self._lock:
            busy = set(self._in_flight)
        for number in self.outbox.due(self.clock(), busy, room):
            with self._lock:
                self._in_flight.add(number)
            self.queue.put(number)

    def _work(self):
        while not self._stop.is_set():
            try:
                number = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                self.step(number)
            except Exception as e:  # noqa: BLE001 - keep the worker; retry the invoice later
                log.exception("delivery step for %s failed", number)
                try:
                    self.outbox.update(number, note=f"internal error: {e}", next_at=self.clock() + 1.0)
                except Exception:  # noqa: BLE001
                    log.exception("could not reschedule %s", number)
            finally:
                with self._lock:
                    self._in_flight.discard(number)
                self._wake.set()
