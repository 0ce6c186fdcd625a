"""Serve OneTrip with gunicorn (a production server), static files by WhiteNoise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Migrate, collect static files and serve with gunicorn or granian (--server)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("ONETRIP_BIND", "127.0.0.1:8000"))
        # On SQLite one process with more threads: its writers then wait in one process's line
        # (onetrip.dbsqlite) instead of racing other processes through SQLite's busy handler
        # (bench/sqlite_bench.py, 32 clients: p99 0.48-0.93 s with 1 × 8, 1.9 s with 3 × 4).
        sqlite = settings.DATABASES["default"]["ENGINE"].endswith(("sqlite3", "dbsqlite"))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", "1" if sqlite else "3")),
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("ONETRIP_THREADS", "8" if sqlite else "4")),
        )
        parser.add_argument(
            "--server",
            choices=["gunicorn", "granian"],
            default=settings.ONETRIP_SERVER,
            help="HTTP server (ONETRIP_SERVER; docs/performance.md says why the default)",
        )
        parser.add_argument("--no-migrate", action="store_true")
        parser.add_argument(
            "--worker",
            action="store_true",
            help="Also start one background task worker (notifications, overdue sweeps).",
        )

    def handle(self, *args, bind, workers, threads, no_migrate, worker=False, server="", **options):
        server = server or settings.ONETRIP_SERVER
        if not settings.SECRET_KEY:  # Django raises ImproperlyConfigured first on an empty key
            raise CommandError("SECRET_KEY is not set")
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            f"Serving OneTrip on http://{bind}/ with {server} "
            f"({settings.DATABASES['default']['ENGINE']})"
        )
        sys.stdout.flush()
        # Prometheus counters of all worker processes, summed at scrape time (one folder per
        # server: emptied at start, as the client library asks).
        metrics_dir = Path(
            os.environ.get("PROMETHEUS_MULTIPROC_DIR")
            or settings.VAR_DIR / "prometheus" / bind.replace(":", "-").replace("/", "_")
        )
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        env = {
            **os.environ,
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "onetrip.settings"),
        }
        argv = (
            _granian_argv(bind, workers, threads)
            if server == "granian"
            else _gunicorn_argv(bind, workers, threads)
        )
        if worker:
            # One task worker beside the web processes; it shares the terminal's process group,
            # so Ctrl+C stops both.
            subprocess.Popen(
                [sys.executable, "-m", "onetrip.cli", "db_worker", "--interval", "1"], env=env
            )
            self.stdout.write("Background task worker started (db_worker).")
            sys.stdout.flush()
        os.execve(sys.executable, argv, env)


def _gunicorn_argv(bind: str, workers: int, threads: int) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "onetrip.wsgi:application",
        "--config",  # no Server banner (issue 15)
        "python:onetrip.web.gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--timeout",
        "60",
    ]
    if settings.ONETRIP_LOG_FORMAT != "json":  # JSON: onetrip.request logs each request
        argv += ["--access-logfile", "-"]
    return argv


def _granian_argv(bind: str, workers: int, threads: int) -> list[str]:
    host, _, port = bind.rpartition(":")
    argv = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host.strip("[]") or "127.0.0.1",
        "--port",
        port,
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--no-ws",
        "--respawn-failed-workers",
        "--workers-kill-timeout",
        "30",
    ]
    if settings.ONETRIP_LOG_FORMAT != "json":
        argv += ["--access-log"]
    # no Server banner (issue 15): onetrip.web.granian_app
    return argv + ["onetrip.web.granian_app:application"]
