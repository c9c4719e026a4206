"""Forms of the review pages. They parse; the services hold the rules.

The review page shows a form per touchpoint: the members and touchpoints are read once and
passed in as lists, so rendering sixty forms makes no query per form.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from ideas.forms import next_statuses
from ideas.models import Idea, IdeaStatus
from motmap.forms import Form
from touchpoints.models import Rating, Touchpoint
from touchpoints.templatetags.touchpoint_tags import rating_label

from .models import ActionStatus
from .services import GUESTS_MAX, NOTE_MAX, SUMMARY_MAX, TITLE_MAX

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def member_label(user):
    return f"{user.display_name} ({user.email})"


def rating_choice_label(value):
    return rating_label(value)


class UserChoiceField(forms.TypedChoiceField):
    """A choice among a list of users read once; cleans to the user."""

    def __init__(self, *args, users=(), **kwargs):
        self.users = {str(u.pk): u for u in users}
        choices = [("", _("Choose…"))] + [(str(u.pk), member_label(u)) for u in users]
        super().__init__(*args, choices=choices, coerce=self.users.get, empty_value=None, **kwargs)


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
    """One moment's card on the review page. The page carries, beside each field, the value it
    showed (`show_hidden_initial`), so a save keeps only what the person changed: a text that
    someone else edited meanwhile and this person left alone is not written back."""

    TRACKED = ("rating", "note", "desired_outcome", "customer_wants")

    rating = forms.TypedChoiceField(
        label=_("Rating now"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        show_hidden_initial=True,
        error_messages={
            "invalid_choice": _("Choose a rating from −2 (depresses) to +2 (wows), or none.")
        },
    )
    note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=NOTE_MAX,
        show_hidden_initial=True,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    desired_outcome = forms.CharField(
        label=_("Desired outcome"),
        required=False,
        max_length=Touchpoint._meta.get_field("desired_outcome").max_length,
        strip=False,
        show_hidden_initial=True,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    customer_wants = forms.CharField(
        label=_("What customers want"),
        required=False,
        max_length=Touchpoint._meta.get_field("customer_wants").max_length,
        strip=False,
        show_hidden_initial=True,
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
            keep = _("Unchanged: %(rating)s") % {"rating": rating_choice_label(previous)}
        self.fields["rating"].choices = [("", keep)] + [
            (value, rating_choice_label(value)) for value in Rating.values
        ]

    def changed(self):
        """The tracked fields this person changed since the page was read."""
        return [name for name in self.TRACKED if name in self.changed_data]

    def service_fields(self):
        """Keyword arguments for services.review_rating_save: the texts only when changed."""
        data = self.cleaned_data
        changed = self.changed()
        return {
            "rating": data["rating"],
            "note": data["note"],
            "version": data["version"],
            **{
                name: data[name] if name in changed else None
                for name in ("desired_outcome", "customer_wants")
            },
        }

    def initial_inputs(self, attrs=None):
        """The values the page showed, as hidden inputs (compared with on the next save)."""
        return [self[name].as_hidden(attrs=attrs, only_initial=True) for name in self.TRACKED]

    def hidden_state(self):
        """The version and the values shown, as hidden inputs with their ids: what a card
        that saved itself sends back to the page (htmx out-of-band), so its next save compares
        with what is now stored."""
        oob = {"hx-swap-oob": "true"}
        return [self["version"].as_hidden(attrs=oob), *self.initial_inputs(oob)]


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
        # .get: has_changed() coerces what was posted before it is validated as a choice.
        field.coerce = self.touchpoints.get
        if not hide_touchpoint:
            field.widget = forms.Select(choices=field.choices)


DECISIONS = [
    (IdeaStatus.ACCEPTED, _("✓ Accept")),
    (IdeaStatus.UNDER_REVIEW, _("… Look into it")),
    (IdeaStatus.DECLINED, _("✗ Decline")),
    (IdeaStatus.DUPLICATE, _("⧉ Duplicate of another idea")),
]


class DecideForm(Form):
    """A decision on an idea waiting at a moment. Left empty, nothing is decided."""

    status = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose accept, look into it, decline or duplicate.")},
    )
    note = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=Idea._meta.get_field("decision_note").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The author and voters read it. Needed when declining."),
    )
    duplicate_of = forms.IntegerField(
        label=_("Number of the original idea"),
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("For a duplicate: its votes move to the original."),
    )

    def __init__(self, *args, idea_status=IdeaStatus.NEW, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = next_statuses(idea_status, DECISIONS)

    @property
    def decided(self):
        return bool(self.is_bound and self.is_valid() and self.cleaned_data["status"])

    def clean(self):
        data = super().clean()
        if not data.get("status") and (data.get("note") or data.get("duplicate_of")):
            raise forms.ValidationError(
                _("Choose a decision for the reason typed, or clear the reason."),
                code="no_decision",
            )
        return data


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
