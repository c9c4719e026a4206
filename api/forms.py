from django import forms
from django.utils.translation import gettext_lazy as _

from motmap.forms import Form


class ApiTokenForm(Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What the token is for, e.g. “Power BI export”."),
    )
    read_only = forms.BooleanField(
        label=_("Read only"),
        required=False,
        help_text=_("The token can read but not change anything."),
    )
