import pytest

from onetrip.masking import mask_id_number, mask_phone
from tests.factories import ric_number, uscc_number


def test_masking():
    assert mask_id_number("330102199001011234") == "330102********1234"
    assert mask_phone("13812345678") == "138****5678"


def test_factory_numbers_are_valid():
    from stdnum.cn import ric, uscc

    assert ric.is_valid(ric_number())
    assert uscc.is_valid(uscc_number())


@pytest.mark.django_db
def test_district_is_derived(world):
    assert world.street.district_id == world.district.pk
    assert world.community.district_id == world.district.pk
    assert world.district.district_id == world.district.pk


def test_openapi_served(client, db):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200
    assert resp.json()["info"]["title"] == "OneTrip API"


def test_unknown_api_path_answers_json_404(client, db):
    resp = client.get("/api/v1/no-such-thing")
    assert resp.status_code == 404
    assert resp.json()["code"] == "not_found"


@pytest.mark.django_db
def test_serve_runs_granian_or_gunicorn_and_optionally_a_task_worker(monkeypatch, tmp_path):
    """`onetrip serve` hands over to granian (the faster, docs/performance.md) or gunicorn;
    `--worker` (used by `onetrip demo`) also starts the database task worker, so notifications
    and sweeps run without another terminal. Prometheus' folder is set for the server only."""

    from django.core.management import call_command

    from onetrip.web.management.commands import serve

    started, execs = [], []
    monkeypatch.setattr(serve.subprocess, "Popen", lambda argv, **kw: started.append(argv))
    monkeypatch.setattr(serve.os, "execve", lambda path, argv, env: execs.append((argv, env)))
    monkeypatch.setattr(serve, "call_command", lambda *a, **kw: None)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prom"))
    call_command("serve", "--no-migrate", "--bind", "127.0.0.1:9999")
    argv, env = execs[0]
    assert "granian" in argv and "wsgi" in argv and "9999" in argv and "127.0.0.1" in argv
    assert env["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path / "prom")
    assert (tmp_path / "prom").is_dir()
    call_command("serve", "--no-migrate", "--server", "gunicorn", "--bind", "127.0.0.1:9998")
    assert "gunicorn" in execs[1][0] and "127.0.0.1:9998" in execs[1][0]
    assert started == []
    call_command("serve", "--no-migrate", "--worker")
    assert len(started) == 1 and "db_worker" in started[0]


def test_no_top_level_module_shadows_the_standard_library():
    """`make messages` runs Django from ``src/onetrip``, where a ``numbers.py`` would be
    imported instead of the standard library's (``decimal`` then fails to import)."""
    import sys
    from pathlib import Path

    import onetrip

    here = Path(onetrip.__file__).parent
    # a folder without __init__.py (locale/) is only a namespace portion: the library wins
    names = {p.stem for p in here.glob("*.py")} | {
        p.parent.name for p in here.glob("*/__init__.py")
    }
    assert not names & set(sys.stdlib_module_names)
