from django import forms
from django.utils.translation import gettext_lazy as _

from motmap.forms import Form

from .models import ApiToken


class ApiTokenForm(Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What the token is for, e.g. “Power BI export”."),
    )
    read_only = forms.BooleanField(
        label=_("Read only"),
        required=False,
        help_text=_("The token can read but not change anything."),
    )
