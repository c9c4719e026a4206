import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from motmap.forms import Form
from touchpoints.models import Habit

from .models import COMMENT_MAX, TEXT_MAX, TITLE_MAX, IdeaStatus
from .selectors import SEARCH_MAX_LENGTH
from .services import TRANSITIONS


def next_statuses(status, choices=IdeaStatus.choices):
    """The `choices` ((status, label) pairs) that an idea in `status` may move to, as
    ideas.services.TRANSITIONS allows, in the order of `choices`."""
    allowed = TRANSITIONS.get(status, ())
    return [(value, label) for value, label in choices if value in allowed]


class IdeaTextsForm(Form):
    title = forms.CharField(
        label=_("Short title"),
        max_length=TITLE_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "next"}),
    )
    today = forms.CharField(
        label=_("What happens today"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    proposal = forms.CharField(
        label=_("Your wow idea"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How could this moment leave the customer impressed?"),
    )
    habits = forms.MultipleChoiceField(
        label=_("Habits (optional)"),
        choices=Habit.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class IdeaForm(IdeaTextsForm):
    field_order = ["touchpoint", "title", "today", "proposal", "habits", "anonymous"]

    touchpoint = forms.ChoiceField(
        label=_("Touchpoint"),
        error_messages={
            "invalid_choice": _("Choose a touchpoint from the list."),
            "required": _("Choose the moment your idea is for."),
        },
    )
    anonymous = forms.BooleanField(
        label=_("Submit anonymously"),
        required=False,
        help_text=_(
            "Your name is then not stored anywhere: not on the idea, not in its history, not in "
            "any email. Nobody, not even the managers, can see who sent it — and you cannot edit "
            "or withdraw it later."
        ),
    )
    submission_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, touchpoint_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["touchpoint"].choices = [("", _("Choose the moment…")), *touchpoint_choices]
        self.fields["touchpoint"].widget.attrs["data-filter-label"] = _("Find a touchpoint")
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4())


class CommentForm(Form):
    body = forms.CharField(
        label=_("Comment"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class StatusForm(Form):
    """A manager's decision on the idea page. Given the idea's status now (`idea_status`, or
    the initial status the page passes), it offers only the statuses TRANSITIONS allows next;
    without it every status, and the service refuses a move that is not allowed."""

    status = forms.ChoiceField(label=_("New status"), choices=IdeaStatus.choices)
    note = forms.CharField(
        label=_("Reason or note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when declining. The author and the voters read it."),
    )
    duplicate_of = forms.IntegerField(
        label=_("Original idea number (for a duplicate)"), required=False, min_value=1
    )

    def __init__(self, *args, idea_status=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = idea_status or self.initial.get("status")
        if current:
            self.fields["status"].choices = [("", _("Choose…")), *next_statuses(current)]


SORTS = [
    ("votes", _("Most votes")),
    ("newest", _("Newest")),
    ("waiting", _("Waiting longest")),
]


class IdeaFilterForm(Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=SEARCH_MAX_LENGTH)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), ("open", _("Open")), *IdeaStatus.choices],
    )
    journey = forms.ChoiceField(label=_("Journey"), required=False)  # choices set per form
    stage = forms.UUIDField(label=_("Stage"), required=False, widget=forms.HiddenInput)
    touchpoint = forms.UUIDField(label=_("Touchpoint"), required=False, widget=forms.HiddenInput)
    habit = forms.ChoiceField(
        label=_("Habit"), required=False, choices=[("", _("Any habit")), *Habit.choices]
    )
    mine = forms.BooleanField(label=_("Only my ideas"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def __init__(self, *args, journeys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["journey"].choices = [
            ("", _("Any journey")),
            *[(str(j.pk), j.name) for j in journeys],
        ]

    def filters(self):
        """The valid filters; an invalid one is ignored rather than failing the page."""
        if not self.is_valid():
            return {k: v for k, v in self.cleaned_data.items() if k not in self.errors and v}
        return {k: v for k, v in self.cleaned_data.items() if v}
