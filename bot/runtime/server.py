"""``lantern serve``: gunicorn (threaded workers) in front of the WSGI app."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from bot.infra.config import Settings


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # built in each worker after the fork, so no database connection crosses processes
        from bot.runtime.web import create_wsgi_app

        return create_wsgi_app(self.settings)


def worker_exit(server: Any, worker: Any) -> None:
    """Gunicorn hook, in a worker that stops (SIGTERM on a deploy, a restart): stop taking
    post-ack work and give back what it holds, so the next ``serve`` or ``worker`` runs the
    stored requests at once (see bot/infra/inbox.py)."""
    context = getattr(getattr(worker, "wsgi", None), "context", None)
    if context is not None:
        context.close()


def serve(settings: Settings, *, port: int, workers: int = 2, threads: int = 8) -> int:
    """Run gunicorn on ``0.0.0.0:port`` with ``workers`` processes of ``threads`` threads each
    (request timeout 60 s); blocks until it stops. Gunicorn's arbiter ends by calling
    ``sys.exit`` (SystemExit), so the returned 0 is seldom reached."""
    options = {
        "bind": f"0.0.0.0:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 20,
        "accesslog": "-",
        # the path without its query string: the calendar feed's token stays out of logs
        "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
        "errorlog": "-",
        "loglevel": "info",
        "worker_exit": worker_exit,
    }
    _Server(settings, options).run()
    return 0
