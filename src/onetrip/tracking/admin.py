from django.contrib import admin

from onetrip.tracking.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("case", "author_kind", "at", "read_by_staff_at", "read_by_applicant_at")
    list_filter = ("author_kind",)
    search_fields = ("case__number",)
    raw_id_fields = ("case", "author")
