from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from journeys.forms import MemberChoiceField, org_users
from motmap.forms import Form, ModelForm, UploadField

from . import csv_io
from .models import (
    MAX_CONTACTS_PER_DAY,
    MAX_DURATION_SECONDS,
    RATING_SYMBOLS,
    Habit,
    Rating,
    Touchpoint,
)
from .templatetags.touchpoint_tags import signed

RATING_CHOICES = [
    (value, f"{signed(value)} {RATING_SYMBOLS[value]} {label}") for value, label in Rating.choices
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


RATING_ERRORS = {
    "required": _("Choose a rating."),
    "invalid_choice": _("Choose a rating from −2 (Depresses) to +2 (Wows)."),
}
STALE_PAGE = _("This page is out of date: reload the board and try again.")


class TouchpointQuickEditForm(Form):
    """The current and target rating, from the card on the board (with the version seen)."""

    rating_current = forms.TypedChoiceField(
        label=_("Rating now"), choices=RATING_CHOICES, coerce=int, error_messages=RATING_ERRORS
    )
    rating_target = forms.TypedChoiceField(
        label=_("Target rating"), choices=RATING_CHOICES, coerce=int, error_messages=RATING_ERRORS
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE, "min_value": STALE_PAGE},
    )

    def service_data(self):
        return {name: self.cleaned_data[name] for name in ("rating_current", "rating_target")}


class TouchpointPlaceForm(Form):
    """Where a touchpoint was dropped on the board: a stage of its journey and a place in it."""

    stage = forms.ModelChoiceField(
        queryset=None,
        error_messages={
            "required": _("Say which stage to move it to."),
            "invalid_choice": _("That stage is no longer on this journey: reload the board."),
        },
    )
    index = forms.IntegerField(
        min_value=0,
        max_value=100_000,
        error_messages={
            "required": _("Say where to put it."),
            "invalid": _("Say where to put it: a place from 0."),
            "min_value": _("Say where to put it: a place from 0."),
            "max_value": _("Say where to put it: a place on the board."),
        },
    )
    version = forms.IntegerField(
        min_value=1,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE, "min_value": STALE_PAGE},
    )

    def __init__(self, *args, journey, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = journey.stages.all()


class TouchpointImportForm(Form):
    file = UploadField(
        max_bytes=lambda: csv_io.MAX_IMPORT_BYTES,
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
        try:
            self.text = csv_io.decode(upload.read())
        except csv_io.CellError as exc:
            raise ValidationError(str(exc)) from None
        self.parsed = csv_io.read_touchpoints(self.text, organisation=self.organisation)
        if self.parsed.errors:
            raise ValidationError(self.parsed.errors)
        return upload
