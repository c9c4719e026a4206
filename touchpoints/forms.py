from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from journeys.forms import MemberChoiceField, org_users
from motmap.forms import Form, ModelForm

from . import csv_io
from .models import (
    MAX_CONTACTS_PER_DAY,
    MAX_DURATION_SECONDS,
    RATING_SYMBOLS,
    Habit,
    Rating,
    Touchpoint,
)

RATING_CHOICES = [
    (value, f"{value:+d} {RATING_SYMBOLS[value]} {label}") for value, label in Rating.choices
]


class TouchpointForm(ModelForm):
    rating_current = forms.TypedChoiceField(
        label=_("Rating now"), choices=RATING_CHOICES, coerce=int, initial=0
    )
    rating_target = forms.TypedChoiceField(
        label=_("Target rating"), choices=RATING_CHOICES, coerce=int, initial=2
    )
    contacts_per_day = forms.IntegerField(
        label=_("Contacts per day"),
        min_value=0,
        max_value=MAX_CONTACTS_PER_DAY,
        initial=0,
        help_text=_("How many times a day customers meet this moment."),
    )
    duration_seconds = forms.IntegerField(
        label=_("Typical duration (seconds)"),
        min_value=0,
        max_value=MAX_DURATION_SECONDS,
        initial=0,
    )
    habits = forms.MultipleChoiceField(
        label=_("Habits"),
        choices=Habit.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Which of the seven habits make this moment great."),
    )
    owner = MemberChoiceField(label=_("Owner"), queryset=None, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Touchpoint
        fields = [
            "name",
            "stage",
            "channel",
            "frontline_role",
            "moment",
            "desired_outcome",
            "customer_wants",
            "rating_current",
            "rating_target",
            "contacts_per_day",
            "duration_seconds",
            "owner",
            "habits",
            "external_id",
        ]
        labels = {"external_id": _("External ID")}
        widgets = {
            "moment": forms.Textarea(attrs={"rows": 3}),
            "desired_outcome": forms.Textarea(attrs={"rows": 5}),
            "customer_wants": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, journey, **kwargs):
        super().__init__(*args, **kwargs)
        self.journey = journey
        self.fields["stage"].queryset = journey.stages.order_by("position")
        self.fields["stage"].empty_label = None
        self.fields["owner"].queryset = org_users(journey.organisation)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def service_data(self):
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class TouchpointImportForm(Form):
    file = forms.FileField(
        label=_("CSV file"),
        error_messages={
            "required": _("Choose a CSV file to upload."),
            "empty": _("The file is empty."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=_(
            "A CSV file as exported here or saved from a spreadsheet as “CSV UTF-8”, "
            "comma or semicolon separated. Nothing is saved before you confirm the preview."
        ),
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.text = ""
        self.parsed = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > csv_io.MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The file is larger than %(max)s. Split it into smaller files.")
                % {"max": filesizeformat(csv_io.MAX_IMPORT_BYTES)}
            )
        try:
            self.text = csv_io.decode(upload.read())
        except csv_io.CellError as exc:
            raise ValidationError(str(exc)) from None
        self.parsed = csv_io.read_touchpoints(self.text, organisation=self.organisation)
        if self.parsed.errors:
            raise ValidationError(self.parsed.errors)
        return upload
