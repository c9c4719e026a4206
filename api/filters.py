"""Filters shared by the API's lists: a strict true/false, and ordering names with aliases."""

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
