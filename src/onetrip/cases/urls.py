from django.urls import path

from onetrip.cases import views

app_name = "cases"
urlpatterns = [
    path("cases/new/", views.case_new, name="new"),
    path("cases/<str:number>/", views.case_detail, name="detail"),
    path("cases/<str:number>/act/", views.case_act, name="act"),
    path("cases/<str:number>/materials/", views.case_material, name="material"),
    path("cases/<str:number>/notice/", views.case_notice, name="notice"),
    path("cases/<str:number>/notice.pdf", views.case_notice_pdf, name="notice_pdf"),
    path("cases/<str:number>/receipt.pdf", views.case_receipt_pdf, name="receipt_pdf"),
    path("cases/<str:number>/result.pdf", views.case_result_pdf, name="result_pdf"),
    path("backoffice/", views.backoffice, name="backoffice"),
    path("backoffice/instant-checks/", views.instant_checks, name="instant_checks"),
]
