"""The ``onetrip`` console script: a thin front to Django's management commands.

onetrip demo            migrate, load the sample district, serve it on 127.0.0.1:8000
onetrip serve           migrate, collect static files, serve with gunicorn
onetrip catalogue import|export FILE
onetrip <any manage.py command>
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "demo":
        # The demo flag: demo-only pages (SMS inbox) and a per-install key in ./var. Set before
        # the settings load; the server `demo` starts inherits it.
        os.environ.update({"ONETRIP_DEMO": "1"})
    from django.core.management import execute_from_command_line

    if argv and argv[0] == "catalogue":
        argv = (
            ["catalogue_" + argv[1], *argv[2:]] if len(argv) > 1 else ["help", "catalogue_import"]
        )
    execute_from_command_line(["onetrip", *argv])


if __name__ == "__main__":
    main()
