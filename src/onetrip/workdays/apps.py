from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "onetrip.workdays"
    label = "workdays"
    verbose_name = "工作日历"

    def ready(self) -> None:
        from django.contrib import admin

        from onetrip.workdays import checks  # noqa: F401  (registers the system check)

        # Banner on the admin index when the calendar is about to run out. django.contrib.admin
        # precedes this app in INSTALLED_APPS, so a template override would not win; the admin
        # site's index_template hook is used instead (only if nobody else has set it).
        if admin.site.index_template is None:
            admin.site.index_template = "workdays/admin_index.html"
