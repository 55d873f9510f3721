"""gunicorn settings for `gunicorn -c gunicorn.conf.py wsgi:app` (what `make run` starts).

One single-threaded sync worker per core, one model thread per worker: on a 2-core machine
that was the fastest setting measured, and it avoids the OpenMP hang seen when a preloaded
master runs a parallel torch/faiss operation before forking. Nothing is preloaded in the
master; each worker loads the model and the index once, after the fork, and warms up.
"""

import logging
import multiprocessing
import os

bind = os.environ.get("TOOLKIT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TOOLKIT_WORKERS", multiprocessing.cpu_count()))
threads = 1
worker_class = "sync"
preload_app = False
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = None  # questions are personal data: no access log (paths and bodies stay out)
errorlog = "-"
loglevel = "info"


def post_worker_init(worker):
    """In each worker: one thread for the model and FAISS, then load and warm up."""
    engine = worker.wsgi.extensions["toolkit"]
    engine.set_threads(1)
    try:
        engine.warm_up()
    except Exception as exc:  # no index yet: /api/v1/health answers 503 until one is built
        logging.getLogger("gunicorn.error").warning("worker started without an index: %s", exc)
