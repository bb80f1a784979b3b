from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def hours(value):
    """'1 hora', '12 horas', '1,5 horas' (a fractional amount is plural in Spanish)."""
    if value in (None, ""):
        return ""
    amount = Decimal(value)
    whole = amount == amount.to_integral_value()
    text = number_format(amount, 0 if whole else 1)
    count = int(amount) if whole else 2
    return ngettext("%(hours)s hour", "%(hours)s hours", count) % {"hours": text}


@register.filter
def minutes(value):
    """'1 minuto', '45 minutos', '1 h 30 min' for long durations."""
    value = int(value or 0)
    if value >= 60:
        hours_part, minutes_part = divmod(value, 60)
        if minutes_part:
            return f"{hours_part} h {minutes_part} min"
        return ngettext("%(hours)s hour", "%(hours)s hours", hours_part) % {"hours": hours_part}
    return ngettext("%(minutes)s minute", "%(minutes)s minutes", value) % {"minutes": value}


@register.filter
def querystring_for(catalogue, page_number):
    """The catalogue's current filters with another page number."""
    return catalogue.querystring(pagina=str(page_number))
