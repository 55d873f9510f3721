"""gunicorn settings for `gunicorn -c gunicorn.conf.py wsgi:app` (what `make run` starts).

One worker per core, one encoder thread per worker: a query's cost is one encode on one core.
The workers are threaded (gthread, `THREADS` threads each) so that a slow client holds one
thread, not a whole worker: with sync workers two clients that sent their headers a byte at a
time held both workers and every other request timed out. gthread also waits for a new
connection's first bytes on its event loop (gunicorn's 5 s data timeout), not in a thread.
Production still runs behind a buffering proxy (nginx; see the README), which shields the
workers from slow clients entirely.

Shutdown (SIGTERM): each worker first accepts every connection already waiting in the listen
queue, then answers them and those in flight within `graceful_timeout`, then writes the queued
query-log rows (`worker_exit`) and ends with `os._exit`: the C++ destructors that would
otherwise run at exit join a thread that ONNX Runtime starts when it is imported, in the
master, before the fork; that thread does not exist in a worker, so the join threw
`std::system_error` and every worker died with SIGABRT. gunicorn's control socket is off: its
default path (~/.gunicorn/gunicorn.ctl) is shared by every instance of the user, and stopping
one instance deleted another's (signals do the same job: HUP, TERM, TTIN, TTOU).

The app is preloaded: the master loads the model and the index and warms up once, then forks
the workers, which share those pages (copy-on-write) instead of loading a copy each; start-up
is one load instead of one per worker, and the whole server's memory is about one worker's.
It is safe to fork because nothing in the master has started a thread pool: the encoder runs
with one thread (ONNX Runtime makes no pool for one thread; torch with one thread runs no
OpenMP team), FAISS and the BLAS libraries are held to one thread by the environment below
before they are imported, and the tokenizer does not parallelise. (A master that ran even one
multi-threaded torch/FAISS operation before forking leaves workers that hang in OpenMP.)
Each worker sets one thread again after the fork, so a changed environment cannot undo that.

The database is not touched before the fork (its connections are made in each worker).
Code changes need a restart (`kill -HUP` re-forks workers from the already loaded app); a
rebuilt index does not: each worker swaps it in within `TOOLKIT_RELOAD_INTERVAL` seconds.
"""

import gc
import logging
import multiprocessing
import os
import sys

from gunicorn.workers.gthread import TConn, ThreadWorker

# Before the app (numpy, FAISS, onnxruntime, tokenizers) is imported in the master.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

bind = os.environ.get("TOOLKIT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TOOLKIT_WORKERS", multiprocessing.cpu_count()))
THREADS = 4
threads = THREADS
preload_app = True
timeout = 30
graceful_timeout = 10
keepalive = 5
control_socket_disable = True  # see above: one shared path for every instance
accesslog = None  # questions are personal data: no access log (paths and bodies stay out)
errorlog = "-"
loglevel = "info"

ENCODER_THREADS = 1
LOG_FLUSH_SECONDS = 5  # of graceful_timeout, for writing the queued query-log rows


class DrainingThreadWorker(ThreadWorker):
    """gthread, except that SIGTERM first takes in the connections already waiting to be
    accepted (they are answered like those in flight; before, they were reset)."""

    def handle_exit(self, sig, frame):
        if self.alive:
            self.method_queue.defer(self._accept_waiting)
        super().handle_exit(sig, frame)

    def _accept_waiting(self):
        for listener in self.sockets:
            while self.nr_conns < self.worker_connections:
                try:
                    client, address = listener.accept()
                except OSError:  # EAGAIN: none left waiting
                    break
                self.nr_conns += 1
                client.setblocking(True)
                self.enqueue_req(TConn(self.cfg, client, address, listener.getsockname()))


worker_class = DrainingThreadWorker


def _assistant(app):
    """The app's assistant: its warm_up loads the model, the crisis signals and the index."""
    return app.extensions["toolkit_assistant"]


def when_ready(server):
    """In the master, before the first fork: load the model and the index, warm up."""
    from service.process import release_free_memory

    assistant = _assistant(server.app.wsgi())
    assistant.engine.set_threads(ENCODER_THREADS)
    try:
        assistant.warm_up()
    except Exception as exc:  # no index yet: /api/v1/health answers 503 until one is built
        server.log.warning("starting without an index: %s", exc)
    # what the master made is never freed: keep the collector off those pages in the workers
    gc.collect()
    release_free_memory()
    gc.freeze()


def post_worker_init(worker):
    """In each worker: one thread for the encoder, FAISS and BLAS (no-op if already so)."""
    assistant = _assistant(worker.wsgi)
    assistant.engine.set_threads(ENCODER_THREADS)
    try:
        assistant.warm_up()  # loaded in the master already: only checks the index is current
    except Exception as exc:
        logging.getLogger("gunicorn.error").warning("worker started without an index: %s", exc)


def worker_exit(server, worker):
    """In a worker that is ending: write the queued query-log rows, then end the process
    without the C++ exit-time destructors (see above). Also called in the master for a worker
    that is already gone: nothing to do there."""
    if os.getpid() != worker.pid:
        return
    exc = sys.exc_info()[1]
    code = exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else 0
    if exc is not None and not isinstance(exc, SystemExit):
        code = 1
    try:
        storage = worker.wsgi.extensions["toolkit_storage"]
        storage.close(timeout=LOG_FLUSH_SECONDS)
    except Exception:
        server.log.exception("could not close the database")
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
