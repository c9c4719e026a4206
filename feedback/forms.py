"""The settings of a touchpoint's feedback: its question, the reasons offered after the tap,
the kiosk's pause, and the question and reasons in the other languages customers are asked in;
the comments' filter; a file of scores imported from another survey tool."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from motmap.fields import max_length
from motmap.forms import Form, UploadField
from motmap.models import Language
from touchpoints.models import Touchpoint

from . import score_io
from .models import FACES, FeedbackPoint, FeedbackResponse, Scale
from .services import ALERT_ANSWERS_RANGE, KIOSK_PAUSE_MAX_SECONDS, reasons_suggested


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class FeedbackSettingsForm(Form):
    question = forms.CharField(
        label=_("Question"),
        required=False,
        max_length=max_length(FeedbackPoint, "question"),
    )
    reasons = forms.CharField(
        label=_("What mattered most? Reasons offered after the tap"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    kiosk_pause_seconds = forms.IntegerField(
        label=_("Desk kiosk: pause between answers, seconds"),
        min_value=0,
        max_value=KIOSK_PAUSE_MAX_SECONDS,
        initial=3,
        help_text=_("The kiosk thanks the customer and shows the faces again after this pause."),
        error_messages={
            "invalid": _("Choose a pause from 0 to %(max)s seconds.")
            % {"max": KIOSK_PAUSE_MAX_SECONDS},
            "min_value": _("Choose a pause from 0 to %(max)s seconds.")
            % {"max": KIOSK_PAUSE_MAX_SECONDS},
            "max_value": _("Choose a pause from 0 to %(max)s seconds.")
            % {"max": KIOSK_PAUSE_MAX_SECONDS},
        },
    )

    alert_answers = forms.IntegerField(
        label=_("Alert: over the last … answers"),
        required=False,
        min_value=ALERT_ANSWERS_RANGE[0],
        max_value=ALERT_ANSWERS_RANGE[1],
        initial=10,
        error_messages={
            key: _("Choose from %(low)s to %(high)s answers.")
            % {"low": ALERT_ANSWERS_RANGE[0], "high": ALERT_ANSWERS_RANGE[1]}
            for key in ("invalid", "min_value", "max_value")
        },
    )
    alert_share_percent = forms.IntegerField(
        label=_("Alert: when this share of them are “bad” or “very bad”, percent"),
        required=False,
        min_value=1,
        max_value=100,
        initial=40,
        help_text=_(
            "The touchpoint's owner is told (and a feedback.alert webhook sent) once, and again "
            "only after the answers have recovered. A comment with “very bad” alerts too."
        ),
        error_messages={
            key: _("Choose a share from 1 to 100 percent.")
            for key in ("invalid", "min_value", "max_value")
        },
    )

    def __init__(self, data=None, *, point, touchpoint, **kwargs):
        organisation = touchpoint.organisation
        initial = {
            "kiosk_pause_seconds": 3,
            "reasons": "\n".join(reasons_suggested()[:4]),
            "alert_answers": 10,
            "alert_share_percent": 40,
        }
        if point is not None:
            initial = {
                "question": point.question,
                "reasons": "\n".join(point.reasons),
                "kiosk_pause_seconds": point.kiosk_pause_seconds,
                "alert_answers": point.alert_answers,
                "alert_share_percent": point.alert_share_percent,
            }
            for language, texts in point.translations.items():
                initial[f"question_{language}"] = texts.get("question", "")
                initial[f"reasons_{language}"] = "\n".join(texts.get("reasons", []))
        super().__init__(data, initial=initial, **kwargs)
        own = Language(organisation.language)
        self.fields["question"].help_text = _(
            "In %(language)s. Leave empty to ask “How was %(moment)s today?”"
        ) % {"language": own.label, "moment": touchpoint.name}
        self.fields["reasons"].help_text = _(
            "In %(language)s, one per line, up to 6; leave empty to ask only for a comment. "
            "Ideas: %(ideas)s."
        ) % {"language": own.label, "ideas": ", ".join(reasons_suggested())}
        self.languages = [language for language in Language if language != own]
        for language in self.languages:
            self.fields[f"question_{language}"] = forms.CharField(
                label=_("Question in %(language)s") % {"language": language.label},
                required=False,
                max_length=max_length(FeedbackPoint, "question"),
            )
            self.fields[f"reasons_{language}"] = forms.CharField(
                label=_("Reasons in %(language)s") % {"language": language.label},
                required=False,
                widget=forms.Textarea(attrs={"rows": 6}),
                help_text=_("One per line, in the order above. An empty one shows the original."),
            )

    def own_fields(self):
        return [
            self[name]
            for name in (
                "question",
                "reasons",
                "kiosk_pause_seconds",
                "alert_answers",
                "alert_share_percent",
            )
        ]

    def language_fields(self):
        return [
            (language, self[f"question_{language}"], self[f"reasons_{language}"])
            for language in self.languages
        ]

    def service_data(self) -> dict:
        data = self.cleaned_data
        translations = {}
        for language in self.languages:
            question = data.get(f"question_{language}", "")
            reasons = [
                line.strip() for line in (data.get(f"reasons_{language}") or "").splitlines()
            ]
            if question or any(reasons):
                translations[language.value] = {"question": question, "reasons": reasons}
        return {
            "question": data["question"],
            "reasons": _lines(data["reasons"]),
            "kiosk_pause_seconds": data["kiosk_pause_seconds"],
            # empty: as it was (or the default)
            "alert_answers": data["alert_answers"] or self.initial["alert_answers"],
            "alert_share_percent": data["alert_share_percent"]
            or self.initial["alert_share_percent"],
            "translations": translations,
        }


class CommentFilterForm(Form):
    """The comments feed's filters (a GET form): journey, touchpoint, face, reason, unread."""

    journey = forms.ChoiceField(label=_("Journey"), required=False)
    touchpoint = forms.ChoiceField(label=_("Touchpoint"), required=False)
    face = forms.ChoiceField(label=_("Face"), required=False)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=max_length(FeedbackResponse, "reason")
    )
    unread = forms.BooleanField(label=_("Not read yet"), required=False)

    def __init__(self, data=None, *, organisation, **kwargs):
        super().__init__(data, **kwargs)
        touchpoints = list(
            Touchpoint.objects.for_org(organisation)
            .select_related("journey")
            .order_by("journey__name", "stage__position", "position")
        )
        journeys = {tp.journey_id: tp.journey.name for tp in touchpoints}
        everything = [("", _("All"))]
        self.fields["journey"].choices = everything + [(str(k), v) for k, v in journeys.items()]
        self.fields["touchpoint"].choices = everything + [
            (str(tp.pk), f"{tp.journey.name} › {tp.name}") for tp in touchpoints
        ]
        self.fields["face"].choices = everything + [
            (str(value), f"{symbol} {word}") for value, symbol, word in FACES
        ]

    def filters(self) -> dict:
        """The service's filters of a valid form (an invalid one filters nothing)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "journey": uuid.UUID(data["journey"]) if data["journey"] else None,
            "touchpoint": uuid.UUID(data["touchpoint"]) if data["touchpoint"] else None,
            "face": int(data["face"]) if data["face"] else None,
            "reason": data["reason"],
            "unread": data["unread"],
        }


class ScoreImportForm(Form):
    """A file of scores from another survey tool, and the scale its scores are on."""

    scale = forms.ChoiceField(
        label=_("Scale of the scores"),
        choices=Scale.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the scale of the scores.")},
    )
    file = UploadField(
        max_bytes=lambda: score_io.MAX_SCORE_FILE_BYTES,
        label=_("CSV or JSON file"),
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("The file is empty."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.json,text/csv,application/json"}),
        help_text=_(
            "Columns external_id, date (year-month-day), score and count. Nothing is saved "
            "before you confirm the preview."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.text = ""
        self.parsed = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.text = score_io.decode(upload.read())
            self.parsed = score_io.read_scores(self.text)
        except score_io.FileError as exc:
            raise ValidationError(str(exc)) from None
        return upload
