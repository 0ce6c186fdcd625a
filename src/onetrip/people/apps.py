from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "onetrip.people"
    label = "people"
    verbose_name = "人员"
