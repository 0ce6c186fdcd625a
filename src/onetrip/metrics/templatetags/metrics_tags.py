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


@register.filter
def as_of_time(report) -> str:
    """The report's as-of time as the exports write it (``exports.as_of_text``)."""
    from onetrip.metrics.exports import as_of_text

    return as_of_text(report)
