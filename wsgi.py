"""The WSGI entry point for gunicorn (`gunicorn wsgi:app`): the only module that builds an app
at import time."""

from service import create_app

app = create_app()
