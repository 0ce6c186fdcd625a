"""The background-task app (django-tasks-db) as the admin shows it: its name and the labels it
leaves untranslated (the admin's "traceback" / "run after", the "task name" column) go through
gettext, so a zh-Hans user reads them in Chinese (``locale/zh_Hans``) and an English one in
English. Installed in place of ``django_tasks_db`` (same app label)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from django_tasks_db.apps import TasksAppConfig


class TasksDbConfig(TasksAppConfig):
    # the English msgids are the library's; locale/zh_Hans holds their Chinese
    verbose_name = gettext_lazy("Tasks Database Backend")  # type: ignore[assignment]  # lazy, as Django allows

    def ready(self) -> None:
        super().ready()
        from django_tasks_db.admin import DBTaskResultAdmin
        from django_tasks_db.models import DBTaskResult

        DBTaskResultAdmin.formatted_traceback.short_description = gettext_lazy("traceback")  # type: ignore[attr-defined]
        DBTaskResultAdmin.display_run_after.short_description = gettext_lazy("run after")  # type: ignore[attr-defined]
        DBTaskResult.task_name.fget.short_description = gettext_lazy("task name")  # type: ignore[attr-defined]
