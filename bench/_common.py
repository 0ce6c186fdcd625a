"""What the PostgreSQL benches share: the DATABASE_URL guard, and the creation and clean-up of
the scratch database. Not a bench itself (``make bench`` runs ``bench/*_bench.py``); a bench run as
``python bench/x_bench.py`` has ``bench/`` first on ``sys.path``, so ``from _common import …``
finds it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgres://", "postgresql://")


def postgres_url(bench: str) -> str | None:
    """DATABASE_URL when it names a PostgreSQL server; else None, having said what is needed."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(POSTGRES_SCHEMES):
        print(f"{bench} needs DATABASE_URL=postgres://… (run scripts/pg.sh start)")
        return None
    return url


def create_scratch(url: str, db: str) -> tuple[str, str]:
    """A fresh, empty database ``db`` on the server of ``url`` (dropped first if left over):
    (the server's admin URL, for ``drop_scratch``; the new database's URL)."""
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
        conn.execute(f'CREATE DATABASE "{db}"')
    return admin, urlunsplit(parts._replace(path=f"/{db}"))


def drop_scratch(
    admin: str | None, db: str, tmp: Path, *, keep: bool = False, force: bool = True
) -> None:
    """The end of a bench run: close Django's connections, drop the scratch database ``db``
    through the server's ``admin`` URL (none: SQLite, nothing to drop; ``keep``: leave it;
    ``force``: end other sessions on it first) and remove the temporary directory ``tmp``."""
    from django.db import connections

    connections.close_all()
    if admin and not keep:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}"' + (" WITH (FORCE)" if force else ""))
    shutil.rmtree(tmp, ignore_errors=True)
