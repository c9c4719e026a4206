from django import forms
from django.utils.translation import gettext_lazy as _

from motmap.forms import Form

from .models import DEFAULTS, Frequency, Kind


class NotificationSettingsForm(Form):
    """One radio group per kind of notice: immediately, daily, weekly or off."""

    def __init__(self, data=None, *, membership, current):
        super().__init__(data)
        defaults = DEFAULTS[membership.role]
        for kind in Kind:
            default_label = Frequency(defaults[kind]).label
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Frequency.choices,
                initial=current[kind.value],
                widget=forms.RadioSelect,
                help_text=_("Default for your role: %(frequency)s.") % {"frequency": default_label},
                error_messages={"invalid_choice": _("Choose one of the options.")},
            )


class CalendarLinkForm(Form):
    ACTIONS = [("create", _("Create")), ("reset", _("Reset")), ("off", _("Turn off"))]
    action = forms.ChoiceField(choices=ACTIONS)
