"""What every org-scoped API view shares: the organisation from the URL, via motmap.tenancy,
and the view class of api/journeys.py, api/ideas.py and api/reviews.py (`OrgAPIView`)."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, generics, serializers
from rest_framework.permissions import SAFE_METHODS

from motmap.tenancy import require_editor, resolve

from .exceptions import PayloadTooLarge
from .models import ApiToken


def check_body_size(request):
    """Refuse a body over API_MAX_BODY_BYTES before anything reads it (413)."""
    meta = request.META
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        raise exceptions.ParseError(_("Content-Length is not a number.")) from None
    if length > settings.API_MAX_BODY_BYTES:
        raise PayloadTooLarge(
            _("The request body is %(size)s bytes; the limit is %(limit)s.")
            % {"size": length, "limit": settings.API_MAX_BODY_BYTES}
        )


EDITOR, MEMBER = "editor", "member"  # who may write through a view (`write_role`)


class OrgScopedMixin:
    """Resolves `org_slug` for the user (404 when not a member) and checks the token's org.

    Writes need the view's `write_role`: EDITOR (the default) is checked up front with the same
    tenancy helper the services use, so staff get 403 and not a list of field errors; MEMBER
    lets any member write (ideas, votes, comments: as on the pages, staff too). The services
    check again either way (the author of an idea, the owner of an action...). A read-only
    token is refused every write (api.permissions.ReadOnlyToken).
    """

    write_role = EDITOR

    def initial(self, request, *args, **kwargs):
        check_body_size(request)
        super().initial(request, *args, **kwargs)
        membership = resolve(request.user, kwargs.get("org_slug"))
        token = request.auth
        if isinstance(token, ApiToken) and token.organisation_id != membership.organisation_id:
            raise exceptions.PermissionDenied(_("This token belongs to another organisation."))
        self.membership = membership
        self.org = membership.organisation
        if request.method not in SAFE_METHODS and self.write_role == EDITOR:
            require_editor(request.user, self.org)
        self._tz = timezone.override(self.org.tzinfo)
        self._tz.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        tz = getattr(self, "_tz", None)
        if tz is not None:
            tz.__exit__(None, None, None)
            self._tz = None
        return super().finalize_response(request, response, *args, **kwargs)


def _fake(view):
    """drf-spectacular builds the schema with views that have no organisation."""
    return getattr(view, "swagger_fake_view", False)


class OrgAPIView(OrgScopedMixin, generics.GenericAPIView):
    def get_serializer_context(self):
        return {**super().get_serializer_context(), "org": getattr(self, "org", None)}

    def validated(self, *, partial=False, instance=None, serializer_class=None):
        serializer_class = serializer_class or self.get_serializer_class()
        serializer = serializer_class(
            instance,
            data=self.request.data,
            partial=partial,
            context=self.get_serializer_context(),
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class StrictSerializer(serializers.Serializer):
    """Unknown fields are an error (400), not silently dropped; the body must be an object.

    Read-only fields may be sent back (a PUT of what a GET returned) and are ignored.
    """

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
        unknown = sorted(str(key) for key in data if key not in self.fields)
        if unknown:
            raise serializers.ValidationError({key: [_("Unknown field.")] for key in unknown})
        return super().to_internal_value(data)
