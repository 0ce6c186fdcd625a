from django.urls import path

from onetrip.agencies import views

app_name = "agencies"
urlpatterns = [
    path("agency/", views.workspace, name="workspace"),
    path("agency/batches/new/", views.batch_new, name="batch_new"),
    path("agency/authorisations/new/", views.authorisation_new, name="authorisation_new"),
    path("agency/window/", views.batch_window, name="window"),
    path("agency/batches/template.xlsx", views.batch_template, name="template"),
    path("agency/batches/<int:pk>/", views.batch_detail, name="batch"),
    path("agency/batches/<int:pk>/messages/", views.batch_message, name="batch_message"),
    path("agency/batches/<int:pk>/deliver/", views.batch_deliver, name="batch_deliver"),
    path("agencies/", views.register, name="register"),
    path("agencies/<int:pk>/", views.agency_detail, name="detail"),
    path("agencies/<int:pk>/status/", views.agency_status, name="status"),
]
