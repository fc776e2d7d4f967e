"""The gunicorn entry point by its first name, ``gunicorn 'bot.web:create_wsgi_app()'``, kept
for operators who run gunicorn themselves; the app lives in :mod:`bot.runtime.web`."""

from bot.runtime.web import create_wsgi_app

__all__ = ["create_wsgi_app"]
