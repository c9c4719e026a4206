from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from motmap.forms import Form
from motmap.models import Organisation

from .archive import too_large


class OrganisationImportForm(Form):
    """A name and an export's ZIP; exports.services.organisation_import checks the rest."""

    name = forms.CharField(
        label=_("Name of the new organisation"),
        max_length=Organisation._meta.get_field("name").max_length,
    )
    file = forms.FileField(
        label=_("Export file (.zip)"),
        error_messages={
            "required": _("Choose the .zip file of an export to upload."),
            "empty": _("The file is empty."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
        help_text=_(
            "The file “Export everything” gave you on an organisation’s export page, as it was "
            "downloaded. Everything in it becomes a new organisation that you own."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.EXPORT_IMPORT_MAX_BYTES:
            raise ValidationError(too_large(settings.EXPORT_IMPORT_MAX_BYTES))
        return upload
