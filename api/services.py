"""Personal API tokens: create (the token is returned once), revoke, authenticate."""

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motmap import audit
from motmap.fields import max_length
from motmap.models import Organisation, User
from motmap.tenancy import membership_of, require_role

from .models import ApiToken

NAME_MAX = max_length(ApiToken, "name")

TOKEN_PREFIX = "mm_"  # noqa: S105  (a marker, not a secret)
PREFIX_LENGTH = 8
MAX_TOKENS_PER_MEMBER = 50
# Writing last_used_at on every request would make every read a write: once a minute is enough.
LAST_USED_RESOLUTION_SECONDS = 60


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def api_token_create(
    *, actor: User, organisation: Organisation, name: str | None, read_only: bool = False
) -> tuple[ApiToken, str]:
    """Create a token for `actor` in `organisation`. Returns (token, raw): raw is shown once."""
    require_role(actor, organisation)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if len(name) > NAME_MAX or "\x00" in name:
        raise ValidationError(
            {"name": _("Keep the name under %(n)d characters.") % {"n": NAME_MAX}}
        )
    if (
        ApiToken.objects.active().filter(user=actor, organisation=organisation).count()
        >= MAX_TOKENS_PER_MEMBER
    ):
        raise ValidationError({"name": _("You have too many tokens: revoke one first.")})
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=actor,
        organisation=organisation,
        name=name,
        prefix=prefix,
        token_hash=hash_token(raw),
        read_only=bool(read_only),
    )
    audit.record(
        actor=actor,
        organisation=organisation,
        action="api_token.created",
        target=token,
        changes={"read only": token.read_only},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """A member revokes their own token (nobody else's: it is personal)."""
    require_role(actor, token.organisation)
    if token.user_id != actor.pk:
        raise PermissionDenied(_("Only the token's holder can revoke it."))
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        audit.record(
            actor=actor, organisation=token.organisation, action="api_token.revoked", target=token
        )
    token.refresh_from_db(fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str | None) -> ApiToken | None:
    """The active token for a raw token string, or None. Notes when it was last used."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user", "organisation")
        .filter(token_hash=hash_token(raw))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # A token whose holder left the organisation stops working.
    if membership_of(token.user, token.organisation) is None:
        return None
    now = timezone.now()
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_tokens_for(*, actor: User, organisation: Organisation) -> QuerySet[ApiToken]:
    """The tokens a member sees on the tokens page: their own."""
    require_role(actor, organisation)
    tokens = ApiToken.objects.filter(organisation=organisation, user=actor)
    return tokens.order_by(F("revoked_at").desc(nulls_first=True), "-created_at")
