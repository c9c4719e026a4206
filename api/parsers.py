import json

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with deeply nested input ([[[[...) a 400 instead of a 500.

    A lone surrogate escape ("\\ud800") parses into a string that is not text: it could not be
    stored, nor echoed back in an error, so it is a 400 here.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except RecursionError:
            raise ParseError(_("JSON parse error - the document is nested too deeply.")) from None
        except UnicodeEncodeError:
            raise ParseError(
                _("JSON parse error - a \\u escape is half of a character (a lone surrogate).")
            ) from None
        return data
