from django.urls import path

from onetrip.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("matters/", views.matter_list, name="matters"),
    path("matters/<slug:code>/", views.matter_detail, name="matter"),
    path("matters/<slug:code>/files/result/", views.result_file, name="result_file"),
    path(
        "matters/<slug:code>/files/materials/<int:pk>/<slug:kind>/",
        views.material_file,
        name="material_file",
    ),
    path("nearby/", views.nearby, name="nearby"),
    path("points/<slug:code>/", views.point_detail, name="point"),
]
