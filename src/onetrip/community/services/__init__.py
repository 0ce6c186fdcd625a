"""Writes of the community app, one transaction each (see the modules by concern)."""

from onetrip.community.services.bookings import booking_cancel, booking_create
from onetrip.community.services.complexes import complex_ensure, facility_ensure
from onetrip.community.services.slots import slot_create, slot_transition
from onetrip.community.services.workshop import (
    decision_transition,
    meeting_schedule,
    meeting_transition,
    topic_raise,
    topic_support,
    topic_transition,
)

__all__ = [
    "booking_cancel",
    "booking_create",
    "complex_ensure",
    "decision_transition",
    "facility_ensure",
    "meeting_schedule",
    "meeting_transition",
    "slot_create",
    "slot_transition",
    "topic_raise",
    "topic_support",
    "topic_transition",
]
