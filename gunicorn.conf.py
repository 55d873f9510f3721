"""gunicorn settings for `gunicorn -c gunicorn.conf.py wsgi:app` (what `make run` starts).

One single-threaded sync worker per core, one encoder thread per worker: a query's cost is one
encode on one core, so on 2 cores that was the fastest setting measured (bench/http_load.py),
ahead of one worker with two encoder threads, three workers, or threaded workers.

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

# Before the app (numpy, FAISS, onnxruntime, tokenizers) is imported in the master.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

bind = os.environ.get("TOOLKIT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TOOLKIT_WORKERS", multiprocessing.cpu_count()))
threads = 1
worker_class = "sync"
preload_app = True
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = None  # questions are personal data: no access log (paths and bodies stay out)
errorlog = "-"
loglevel = "info"

ENCODER_THREADS = 1


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
