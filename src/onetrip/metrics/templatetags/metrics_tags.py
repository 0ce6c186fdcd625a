from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """0.6153 → ``62%``; None → ``—``."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.0f}%"


@register.filter
def dash(value) -> str:
    return "—" if value is None else str(value)
