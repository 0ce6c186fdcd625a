from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from onetrip.admin_readonly import ReadOnlyAdmin
from onetrip.masking import mask_id_number
from onetrip.sharing.models import SharedDocument, ShareReadLog


@admin.register(SharedDocument)
class SharedDocumentAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "kind",
        "masked_holder",
        "number",
        "source_department",
        "issued_on",
        "valid_until",
        "revoked",
    )
    list_filter = ("kind", "holder_kind", "revoked", "source_department__district")
    search_fields = ("holder_number", "number", "title")
    date_hierarchy = "issued_on"

    @admin.display(description=_("持有人"))
    def masked_holder(self, obj):
        return mask_id_number(obj.holder_number)


@admin.register(ShareReadLog)
class ShareReadLogAdmin(ReadOnlyAdmin):
    """Read-only: the access log is never edited."""

    list_display = ("at", "reader", "kind", "number", "holder_number_masked", "purpose", "case_ref")
    list_filter = ("kind", "source")
    search_fields = ("number", "case_ref", "purpose")
