"""Issue 15: the password policy accepted the username, the phone number, 20261201, onetrip1."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from onetrip.people.models import User


@pytest.mark.parametrize("password", ["onetrip1", "20261201", "13900002222", "wangclerk01"])
def test_weak_passwords_are_refused(password):
    user = User(username="wangclerk01", phone="13900002222", display_name="王窗口")
    with pytest.raises(ValidationError):
        validate_password(password, user=user)


def test_a_long_unrelated_passphrase_is_accepted():
    user = User(username="wangclerk01", phone="13900002222")
    validate_password("river-lantern-47-kite", user=user)
