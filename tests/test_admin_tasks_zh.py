"""Issue 9 item 9: the admin's background-task pages (django-tasks-db) were in English for a
zh-Hans user: the app's name ("Tasks Database Backend"), the model ("Task Results"), the
columns ("task name", "enqueued at", …), the status values ("Successful") and the detail
page's "traceback" / "run after". Each now reads in Chinese; English users keep English."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

ENGLISH = (
    "Tasks Database Backend",
    "Task Result",
    "Task name",
    "Enqueued at",
    "Started at",
    "Finished at",
    "Queue name",
    "Priority",
    "Successful",
    "Traceback",
    "Run after",
    "Return value",
    "Backend name",
)


def _visible(html: str) -> str:
    """The page's text (tags, scripts and attribute values left out)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.django_db
def test_admin_task_pages_are_chinese_for_a_zh_hans_user(client, django_user_model):
    from django_tasks_db.models import DBTaskResult

    admin = django_user_model.objects.create_superuser("root", password="pass-1234-word")
    client.force_login(admin)
    result = DBTaskResult.objects.create(
        task_path="onetrip.notices.tasks.notices_send_due",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        queue_name="default",
        status="SUCCESSFUL",
        run_after=timezone.now(),
        exception_class_path="",
        traceback="",
    )
    headers = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    pages = [
        client.get("/admin/", **headers),
        client.get("/admin/django_tasks_database/dbtaskresult/", **headers),
        client.get(f"/admin/django_tasks_database/dbtaskresult/{result.pk}/change/", **headers),
    ]
    for response in pages:
        assert response.status_code == 200
        text = _visible(response.content.decode())
        left = [word for word in ENGLISH if word.lower() in text.lower()]
        assert not left, (response.request["PATH_INFO"], left)
    index = _visible(pages[0].content.decode())
    assert "后台任务" in index
    listing = _visible(pages[1].content.decode())
    assert "成功" in listing and "入队时间" in listing
    detail = _visible(pages[2].content.decode())
    assert "错误堆栈" in detail and "计划执行时间" in detail
