import zoneinfo

from django import forms
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.choices import CallableChoiceIterator
from django.utils.translation import gettext_lazy as _

from . import outbox
from .models import Language, Organisation, Role, User

TIME_ZONE_CHOICES = [(tz, tz.replace("_", " ")) for tz in sorted(zoneinfo.available_timezones())]


# What Django puts for bytes that are not UTF-8 when it decodes a form (U+FFFD): text that
# arrived so is refused, never stored with the replacement characters in it.
UNREADABLE = "\ufffd"


# Django's placeholder for "nothing chosen yet" in a select: the project's selects say what
# to choose instead. By field name; a form may add its own in `placeholders`.
DJANGO_BLANK_LABEL = "---------"
PLACEHOLDERS = {
    "stage": _("Choose a stage…"),
    "move_to": _("Choose a stage…"),
    "owner": _("Choose an owner…"),
    "touchpoint": _("Choose a touchpoint…"),
    "journey": _("Choose a journey…"),
    "channel": _("Choose a channel…"),
}
GENERIC_PLACEHOLDER = _("Choose…")


class UploadField(forms.FileField):
    """A file upload of at most `max_bytes` (a number, or a function that reads a setting when
    the form is checked): a larger one gets `too_large` (its %(max)s: the limit, readable) and
    is not read. Every upload form of the project takes its file with it."""

    TOO_LARGE = _("The file is larger than %(max)s. Split it into smaller files.")

    def __init__(self, *, max_bytes, too_large=None, **kwargs):
        self.max_bytes = max_bytes
        self.too_large = too_large or self.TOO_LARGE
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        limit = self.max_bytes() if callable(self.max_bytes) else self.max_bytes
        if value and value.size > limit:
            raise ValidationError(
                self.too_large, code="too_large", params={"max": filesizeformat(limit)}
            )


class ReadableText:
    """Every form of the project: a field whose submitted text holds bytes that are not valid
    UTF-8 gets a field error (the API answers such text with a 400, too), so nothing is saved
    with the unreadable part replaced. Its selects say what to choose, never "---------"."""

    placeholders = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            placeholder = self.placeholders.get(name) or PLACEHOLDERS.get(name)
            _replace_blank_label(field, placeholder or GENERIC_PLACEHOLDER)

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return
        for name in list(self.fields):
            if _unreadable(self[name].data):
                self.add_error(
                    name,
                    _(
                        "This text holds characters that could not be read (bytes that are "
                        "not UTF-8). Type or paste it again."
                    ),
                )


def _replace_blank_label(field, placeholder):
    """Relabel the blank choice of a select ("---------") as `placeholder`."""
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == DJANGO_BLANK_LABEL:
            field.empty_label = placeholder
    elif isinstance(field, forms.ChoiceField) and not isinstance(
        field.choices, CallableChoiceIterator
    ):  # choices given as a callable are left alone: listing them here could query
        choices = list(field.choices)
        if any(label == DJANGO_BLANK_LABEL for _value, label in choices):
            field.choices = [
                (value, placeholder if label == DJANGO_BLANK_LABEL else label)
                for value, label in choices
            ]


def _unreadable(value):
    if isinstance(value, str):
        return UNREADABLE in value
    if isinstance(value, list | tuple):
        return any(_unreadable(v) for v in value)
    return False


class Form(ReadableText, forms.Form):
    pass


class ModelForm(ReadableText, forms.ModelForm):
    pass


def posted(request):
    """The form data of a POST, even an empty one (a form bound to it shows what is missing);
    None for a GET, so the form starts unbound."""
    return request.POST if request.method == "POST" else None


def add_service_errors(form, exc):
    """Put a service's ValidationError on the form: field errors by field, the rest on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class NewPasswordForm(Form):
    """A new password typed twice, checked against Django's password validators."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            user = get_user_model()(email=cleaned.get("email") or getattr(self, "email", ""))
            try:
                password_validation.validate_password(p1, user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class SignUpForm(NewPasswordForm):
    field_order = ["full_name", "email", "password1", "password2", "organisation_name"]

    full_name = forms.CharField(
        label=_("Your name"),
        max_length=User._meta.get_field("full_name").max_length,
        required=False,
    )
    email = forms.EmailField(
        label=_("Email address"), max_length=User._meta.get_field("email").max_length
    )
    organisation_name = forms.CharField(
        label=_("Your organisation"),
        max_length=Organisation._meta.get_field("name").max_length,
        help_text=_("The business whose moments of truth you will map."),
    )


class ConfirmPasswordForm(Form):
    """The password typed again before a change that hands out access (motmap.reauth)."""

    FIELD = "confirm_password"
    confirm_password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )


class CurrentPasswordMixin:
    """A `current_password` field that must be the user's (`self.user`). Checked through
    `authenticate`, so that wrong ones count towards the login pause (django-axes)."""

    user: User
    request: object

    def __init__(self, *args, user, request, **kwargs):
        self.user, self.request = user, request
        self.email = user.email  # for the validators that compare a new password with it
        super().__init__(*args, **kwargs)

    def clean_current_password(self):
        password = self.cleaned_data.get("current_password", "")
        found = authenticate(self.request, username=self.user.get_username(), password=password)
        if found is None or found.pk != self.user.pk:
            raise ValidationError(_("That is not your password."))
        return password


class NameForm(Form):
    full_name = forms.CharField(
        label=_("Your name"),
        max_length=User._meta.get_field("full_name").max_length,
        required=False,
        help_text=_("Shown beside your ideas, comments and actions."),
    )


class EmailChangeForm(CurrentPasswordMixin, Form):
    email = forms.EmailField(
        label=_("New email address"),
        max_length=User._meta.get_field("email").max_length,
        help_text=_("You log in with it and emails go to it. Your old address is told."),
    )
    current_password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordChangeForm(CurrentPasswordMixin, NewPasswordForm):
    field_order = ["current_password", "password1", "password2"]
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = _("New password")
        self.fields["password2"].label = _("New password again")


class AccountDeleteForm(CurrentPasswordMixin, Form):
    current_password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OrganisationDeleteForm(Form):
    confirm_name = forms.CharField(
        label=_("The organisation's name"),
        max_length=Organisation._meta.get_field("name").max_length,
        strip=False,
        help_text=_("Type it exactly as it is written above."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class EmailLoginForm(ReadableText, AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autofocus": True})
    )


class OutboxPasswordResetForm(ReadableText, PasswordResetForm):
    """Django's password reset, with the email sent through the outbox."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        outbox.queue_email(to=to_email, template="password_reset", context=context)


class OrganisationNameForm(Form):
    name = forms.CharField(
        label=_("Organisation name"), max_length=Organisation._meta.get_field("name").max_length
    )


class OrganisationSettingsForm(ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=TIME_ZONE_CHOICES,
        help_text=_("Every date is shown, and every reminder scheduled, in this time zone."),
    )
    # Not required: a form sent without it (an older page, a script) keeps the language.
    language = forms.ChoiceField(
        label=Organisation._meta.get_field("language").verbose_name.capitalize(),
        choices=Language.choices,
        required=False,
        help_text=Organisation._meta.get_field("language").help_text,
    )

    def clean_language(self):
        return self.cleaned_data.get("language") or self.instance.language

    class Meta:
        model = Organisation
        fields = ["name", "time_zone", "paper_size", "reminder_days_before", "language"]
        error_messages = {
            "reminder_days_before": {
                "invalid": _("Give a whole number of days, from 1 to 90."),
                "min_value": _("Give a whole number of days, from 1 to 90."),
                "max_value": _("Give a whole number of days, from 1 to 90."),
            }
        }


class InviteForm(Form):
    email = forms.EmailField(
        label=_("Email address"), max_length=User._meta.get_field("email").max_length
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.STAFF)


class RoleForm(Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class AcceptInvitationForm(NewPasswordForm):
    field_order = ["full_name", "password1", "password2"]

    full_name = forms.CharField(
        label=_("Your name"),
        max_length=User._meta.get_field("full_name").max_length,
        required=False,
    )

    def __init__(self, *args, email="", **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = _("Choose a password")


FORMER_MEMBERS = "former"


class AuditFilterForm(Form):
    """The audit log's filter: a person, an area, a span of days (the organisation's)."""

    person = forms.ChoiceField(label=_("Person"), required=False)  # choices set per form
    area = forms.ChoiceField(label=_("What"), required=False)
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give a date such as 2026-12-31.")},
    )
    until = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give a date such as 2026-12-31.")},
    )

    def __init__(self, *args, people=(), areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [
            ("", _("Anyone")),
            *[(str(pk), name) for pk, name in people],
            (FORMER_MEMBERS, _("Former members")),
        ]
        self.fields["area"].choices = [("", _("Everything")), *areas]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end comes before the start."))
        return data

    def filters(self):
        """The filters for `motmap.audit.entries`; none when the form has an error (the page
        says what is wrong, and shows nothing rather than something else)."""
        if not self.is_valid():
            return None
        person = self.cleaned_data["person"]
        return {
            "person": int(person) if person and person != FORMER_MEMBERS else None,
            "former_members": person == FORMER_MEMBERS,
            "area": self.cleaned_data["area"] or None,
            "since": self.cleaned_data["since"],
            "until": self.cleaned_data["until"],
        }
