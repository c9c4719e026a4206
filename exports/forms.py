from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from motmap.forms import Form, UploadField
from motmap.models import Organisation

from .archive import TOO_LARGE


class OrganisationImportForm(Form):
    """A name and an export's ZIP; exports.services.organisation_import checks the rest."""

    name = forms.CharField(
        label=_("Name of the new organisation"),
        max_length=Organisation._meta.get_field("name").max_length,
    )
    file = UploadField(
        max_bytes=lambda: settings.EXPORT_IMPORT_MAX_BYTES,
        too_large=TOO_LARGE,
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
