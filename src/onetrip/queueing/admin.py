from django.contrib import admin

from onetrip.admin_readonly import ReadOnlyAdmin, ReadOnlyInline
from onetrip.queueing.models import Queue, Ticket, TicketAlert, TicketEvent, Window, WindowQueue


class WindowQueueInline(admin.TabularInline):
    model = WindowQueue
    extra = 1


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "point", "applicant_type", "is_open", "position"]
    list_filter = ["applicant_type", "is_open", "point"]
    filter_horizontal = ["matters"]


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "point", "kind", "is_open", "clerk"]
    list_filter = ["kind", "is_open", "point"]
    inlines = [WindowQueueInline]


class TicketEventInline(ReadOnlyInline):
    model = TicketEvent
    readonly_fields = ["at", "action", "from_status", "to_status", "window", "actor", "note"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    """Read-only: tickets change only through the services (and their audit trail)."""

    list_display = ["number", "point", "queue", "day", "status", "issued_at", "called_at", "window"]
    list_filter = ["status", "point", "day"]
    exclude = ["applicant_phone", "token"]
    inlines = [TicketEventInline]


@admin.register(TicketAlert)
class TicketAlertAdmin(admin.ModelAdmin):
    list_display = ("ticket", "ahead", "at")
    raw_id_fields = ("ticket",)
