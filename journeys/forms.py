from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from motmap.forms import Form, ModelForm
from motmap.models import EDITOR_ROLES, Membership

from .models import Journey, Stage


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.email})"


def org_users(org, roles=None):
    memberships = Membership.objects.filter(organisation=org)
    if roles:
        memberships = memberships.filter(role__in=roles)
    # One membership per person and organisation: a subquery, so nobody is listed twice.
    return (
        get_user_model()
        .objects.filter(pk__in=memberships.values("user_id"))
        .order_by("full_name", "email")
    )


class JourneyForm(ModelForm):
    owner = MemberChoiceField(
        label=_("Owner"),
        queryset=None,
        required=False,
        help_text=_("The manager responsible for this journey and its reviews."),
    )

    class Meta:
        model = Journey
        fields = ["name", "segment", "description", "owner", "review_cadence", "review_every_weeks"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "segment": _("Who makes this journey, e.g. “new customers” or “regulars”."),
            "review_every_weeks": _("Only for a review every N weeks: from 1 to 104."),
        }

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        self.fields["owner"].queryset = org_users(org, EDITOR_ROLES)
        # Shown only while "Every N weeks" is chosen (CSS :has(), screen.css); without that
        # support it is always shown, and the service checks it either way.
        self.fields["review_every_weeks"].wrapper_class = "field--interval"

    def validate_unique(self):
        """The service checks the name (case-insensitively, within the organisation)."""


class StageForm(Form):
    name = forms.CharField(
        label=_("Stage name"), max_length=Stage._meta.get_field("name").max_length
    )


class StageDeleteForm(Form):
    move_to = forms.ModelChoiceField(
        label=_("Move its touchpoints to"), queryset=None, required=False
    )

    def __init__(self, *args, stage, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["move_to"].queryset = stage.journey.stages.exclude(pk=stage.pk).order_by(
            "position"
        )
