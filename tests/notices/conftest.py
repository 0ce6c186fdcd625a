from __future__ import annotations

import pytest

from tests.factories import make_user

PHONE = "13812345678"


@pytest.fixture
def sms(world, django_capture_on_commit_callbacks):
    """Send helper that runs the after-commit delivery like a real commit would."""
    from onetrip.notices.services import notice_send

    def send(**kw):
        kw.setdefault("channel", "sms")
        kw.setdefault("to", PHONE)
        kw.setdefault("template", "ticket_almost_due")
        kw.setdefault("context", {"ticket": "A023", "ahead": 3, "place": "上城区市民中心"})
        kw.setdefault("district", world.district)
        with django_capture_on_commit_callbacks(execute=True):
            notice = notice_send(**kw)
        notice.refresh_from_db()
        return notice

    return send


@pytest.fixture
def other_manager(world):
    return make_user("manager2", "manager", point=world.other_district)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # make_world() creates several users; the default PBKDF2 costs ~1 s per test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
