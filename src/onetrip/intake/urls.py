from django.urls import path

from onetrip.intake import apply_views, views

app_name = "intake"
urlpatterns = [
    path("guide/precheck/", views.precheck_page, name="precheck"),
    path("precheck/<str:token>/", views.precheck_result, name="precheck_result"),
    path("precheck/<str:token>/summary/", views.precheck_summary, name="precheck_summary"),
    path("precheck/<str:token>/notice.pdf", views.precheck_notice_pdf, name="precheck_notice_pdf"),
    path("matters/<slug:code>/form/", views.form_page, name="form"),
    path(
        "matters/<slug:code>/form/validate/<slug:field>/",
        views.form_field_validate,
        name="form_validate",
    ),
    # the online application (网上办)
    path("apply/", apply_views.apply_list, name="apply"),
    path("apply/<slug:code>/", apply_views.apply_matter, name="apply_matter"),
]
