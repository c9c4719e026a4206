from django import forms
from django.utils.translation import gettext_lazy as _

from motmap.forms import Form

from .models import SUBSCRIBABLE, DeliveryStatus, Event, WebhookEndpoint
from .urlcheck import MAX_URL_LENGTH, check_url


class EndpointForm(Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=MAX_URL_LENGTH,
        widget=forms.URLInput(attrs={"size": 60, "placeholder": "https://"}),
        help_text=_(
            "An https:// (or http://) address on a public server. Events are POSTed "
            "to it as JSON, signed with the endpoint’s secret."
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(e.value, e.label) for e in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=WebhookEndpoint._meta.get_field("description").max_length,
        required=False,
        help_text=_("What receives the events, e.g. “Slack bridge”."),
    )

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        check_url(url)  # the service checks again: this puts the message beside the field
        return url


class DeliveryFilterForm(Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + DeliveryStatus.choices
    )
    event = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("Any"))] + Event.choices
    )
