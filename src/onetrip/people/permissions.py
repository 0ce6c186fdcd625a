"""Role checks: kept in ``onetrip.access`` (foundation, so that apps below people may use them)."""

from onetrip.access import STAFF_ROLES, require_role

__all__ = ["STAFF_ROLES", "require_role"]
