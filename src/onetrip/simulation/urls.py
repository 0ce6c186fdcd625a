from django.urls import path

from onetrip.simulation import views

app_name = "simulation"
urlpatterns = [
    path("simulation/", views.simulation_page, name="page"),
]
