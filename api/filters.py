"""Filters shared by the API's lists: strict true/false, safe date-times, ordering aliases."""

import datetime

import django_filters
from django import forms
from django.utils.translation import gettext as _
from rest_framework.filters import OrderingFilter


class StrictBooleanField(forms.NullBooleanField):
    """`true`/`false` (or 1/0); anything else is an error (400), not silently ignored."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError(_("Use true or false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class AliasOrderingFilter(OrderingFilter):
    """`?ordering=` with names for the client (`votes`) that differ from the field's
    (the view's `ordering_aliases`)."""

    def get_ordering(self, request, queryset, view):
        aliases = getattr(view, "ordering_aliases", {})
        return [
            ("-" if term.startswith("-") else "") + aliases.get(term.lstrip("-"), term.lstrip("-"))
            for term in super().get_ordering(request, queryset, view)
        ]


class SafeIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time that also exists in UTC (the database's): year 1 at +14:00
    is an error (400), not an overflow."""

    def clean(self, value):
        value = super().clean(value)
        if value is not None:
            try:
                value.astimezone(datetime.UTC)
            except OverflowError:
                raise forms.ValidationError(
                    _("Choose a date and time between the years 1 and 9999."), code="invalid"
                ) from None
        return value


class SafeIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = SafeIsoDateTimeField
