from django.apps import AppConfig


class SimulationConfig(AppConfig):
    name = "onetrip.simulation"
    label = "simulation"
    verbose_name = "服务大厅仿真"
