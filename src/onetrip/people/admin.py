from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from onetrip.masking import mask_id_number, mask_phone
from onetrip.people.models import Agency, ApiToken, Applicant, Company, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "point", "department", "agency", "is_active")
    list_filter = ("groups", "is_active", "point")
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("岗位"), {"fields": ("display_name", "phone", "point", "department", "agency")}),
    )


@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    list_display = ("name", "masked_id", "masked_phone_col", "bad_credit", "created_at")
    search_fields = ("name", "id_number")
    list_filter = ("bad_credit",)

    @admin.display(description=_("公民身份号码"))
    def masked_id(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description=_("手机号"))
    def masked_phone_col(self, obj):
        return mask_phone(obj.phone)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "legal_representative", "bad_credit")
    search_fields = ("name", "credit_code")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "district", "status", "registered_at")
    list_filter = ("status", "district")
    search_fields = ("name", "credit_code")
    filter_horizontal = ("clients",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
