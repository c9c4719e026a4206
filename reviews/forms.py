"""Forms of the review pages. They parse; the services hold the rules.

The review page shows a form per touchpoint: the members and touchpoints are read once and
passed in as lists, so rendering sixty forms makes no query per form.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from ideas.models import IdeaStatus
from motmap.forms import Form
from touchpoints.models import RATING_SYMBOLS, Rating

from .models import ActionStatus
from .services import GUESTS_MAX, NOTE_MAX, SUMMARY_MAX, TITLE_MAX

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def member_label(user):
    return f"{user.display_name} ({user.email})"


def rating_choice_label(value):
    sign = f"{value:+d}".replace("-", "−") if value else "0"
    return f"{RATING_SYMBOLS[value]} {Rating(value).label} ({sign})"


class UserChoiceField(forms.TypedChoiceField):
    """A choice among a list of users read once; cleans to the user."""

    def __init__(self, *args, users=(), **kwargs):
        self.users = {str(u.pk): u for u in users}
        choices = [("", _("Choose…"))] + [(str(u.pk), member_label(u)) for u in users]
        super().__init__(
            *args, choices=choices, coerce=self.users.__getitem__, empty_value=None, **kwargs
        )


class ReviewForm(Form):
    """The date, attendees and guests of a meeting: when it starts and when they are corrected."""

    held_on = forms.DateField(label=_("Date of the review"), widget=DATE)
    attendees = forms.MultipleChoiceField(
        label=_("Who takes part"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Attendees must be members of this organisation.")},
    )
    guests = forms.CharField(
        label=_("Guests"),
        required=False,
        max_length=GUESTS_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("People from outside motmap, e.g. “Anna from the call centre supplier”."),
    )

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.users = {str(u.pk): u for u in users}
        self.fields["attendees"].choices = [(str(u.pk), member_label(u)) for u in users]

    def clean_attendees(self):
        return [self.users[pk] for pk in self.cleaned_data["attendees"]]


class RatingForm(Form):
    rating = forms.TypedChoiceField(
        label=_("Rating now"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose a rating from −2 (depresses) to +2 (wows), or none.")
        },
    )
    note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    desired_outcome = forms.CharField(
        label=_("Desired outcome"),
        required=False,
        max_length=10000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    customer_wants = forms.CharField(
        label=_("What customers want"),
        required=False,
        max_length=10000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The touchpoint's version when the page was read (empty when the touchpoint was deleted).
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1
    )

    def __init__(self, *args, previous=None, **kwargs):
        super().__init__(*args, **kwargs)
        keep = _("No new rating")
        if previous is not None:
            keep = _("Unchanged (%(rating)s)") % {"rating": rating_choice_label(previous)}
        self.fields["rating"].choices = [("", keep)] + [
            (value, rating_choice_label(value)) for value in Rating.values
        ]


class ActionForm(Form):
    title = forms.CharField(label=_("What"), max_length=TITLE_MAX)
    owner = UserChoiceField(label=_("Who"))  # the members are set per form
    due_on = forms.DateField(label=_("By when"), widget=DATE)
    touchpoint = forms.TypedChoiceField(
        label=_("Touchpoint"), required=False, empty_value=None, widget=forms.HiddenInput
    )

    def __init__(self, *args, users, touchpoints, hide_touchpoint=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = UserChoiceField(
            label=_("Who"),
            users=users,
            error_messages={
                "invalid_choice": _("The owner must be a member of this organisation.")
            },
        )
        self.touchpoints = {str(tp.pk): tp for tp in touchpoints}
        field = self.fields["touchpoint"]
        field.choices = [("", "—")] + [(str(tp.pk), tp.name) for tp in touchpoints]
        field.coerce = lambda pk: self.touchpoints[pk]
        if not hide_touchpoint:
            field.widget = forms.Select(choices=field.choices)


class DecideForm(Form):
    status = forms.ChoiceField(label=_("Decision"), choices=IdeaStatus.choices)
    note = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The author and voters read it. Needed when declining."),
    )


class CompleteForm(Form):
    summary = forms.CharField(
        label=_("Summary of the meeting"),
        required=False,
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ActionCloseForm(Form):
    status = forms.ChoiceField(
        choices=[
            (ActionStatus.DONE, ActionStatus.DONE.label),
            (ActionStatus.DROPPED, ActionStatus.DROPPED.label),
        ]
    )


class NextReviewForm(Form):
    next_review_on = forms.DateField(label=_("Next review"), widget=DATE)
