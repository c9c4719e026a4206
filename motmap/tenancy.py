"""The one place that turns (request.user, org slug) into an organisation and a role.

Every org-scoped view is wrapped in `org_view`: a person who is not a member gets 404
(never 403, which would tell them the organisation exists). Objects inside the org are
fetched with `get_for_org`, which also answers 404 for another organisation's object.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol, TypeVar

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import F, Model
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import EDITOR_ROLES, Membership, Organisation, Role, User

SESSION_KEY = "motmap_org"

View = Callable[..., HttpResponseBase]
_M = TypeVar("_M", bound=Model, covariant=True)


class AuthenticatedRequest(HttpRequest):
    """The type of a request of a signed-in person (no request is made of this class)."""

    user: User


class OrgRequest(AuthenticatedRequest):
    """The type of a request inside `org_view`: a member, their membership and its organisation
    (set by the wrapper)."""

    org: Organisation
    membership: Membership


class OrgScoped(Protocol[_M]):
    """A queryset of `_M` with a `for_org` method (the models' OrgScopedQuerySet)."""

    @property
    def model(self) -> type[_M]: ...

    def for_org(self, org: Organisation) -> Any: ...


def resolve(user: User | AnonymousUser, org_slug: str) -> Membership:
    """Return the membership of `user` in the organisation `org_slug`, or raise Http404."""
    if not user.is_authenticated:
        raise Http404
    try:
        return Membership.objects.select_related("organisation", "user").get(
            organisation__slug=org_slug, user=user
        )
    except Membership.DoesNotExist:
        raise Http404 from None


def org_view(view: View) -> View:
    """Decorate a view taking (request, ...) under /o/<org_slug>/.

    Sets request.org and request.membership and renders in the organisation's time zone.
    """

    @login_required
    @wraps(view)
    def wrapper(request: OrgRequest, org_slug: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
        membership = resolve(request.user, org_slug)
        request.membership = membership
        request.org = membership.organisation
        if request.session.get(SESSION_KEY) != org_slug:
            remember_organisation(request, membership)
        with timezone.override(request.org.tzinfo):
            return view(request, *args, **kwargs)

    return wrapper


def remember_organisation(request: HttpRequest, membership: Membership) -> None:
    """Note the organisation a person switched to: home sends them back to it.

    Written only on a switch (not on every page), in the session and on the membership,
    so that it outlives the session.
    """
    request.session[SESSION_KEY] = membership.organisation.slug
    now = timezone.now()
    Membership.objects.filter(pk=membership.pk).update(last_used_at=now)
    membership.last_used_at = now


def last_used_organisation(request: AuthenticatedRequest) -> str | None:
    """The slug of the organisation to open for this person, or None to let them choose.

    The one of this session, else the one they switched to last, else their only one.
    """
    memberships = Membership.objects.filter(user=request.user)
    slug = request.session.get(SESSION_KEY)
    if slug and memberships.filter(organisation__slug=slug).exists():
        return slug
    first = list(
        memberships.select_related("organisation").order_by(
            F("last_used_at").desc(nulls_last=True), "organisation__name"
        )[:2]
    )
    if first and (first[0].last_used_at or len(first) == 1):
        return first[0].organisation.slug
    return None


def get_for_org(queryset: OrgScoped[_M], org: Organisation, **lookup: Any) -> _M:
    """Fetch one object of `org` from a queryset with a `for_org` method, or 404."""
    found: _M = get_object_or_404(queryset.for_org(org), **lookup)
    return found


def membership_of(user: User | AnonymousUser | None, org: Organisation) -> Membership | None:
    if not user or not user.is_authenticated:
        return None
    return Membership.objects.filter(organisation=org, user=user).first()


def require_role(user: User | AnonymousUser | None, org: Organisation, *roles: str) -> Membership:
    """Raise PermissionDenied unless `user` has one of `roles` in `org`. Returns the membership.

    Used by services: templates only hide buttons, services refuse.
    """
    membership = membership_of(user, org)
    if membership is None:
        raise PermissionDenied(_("You are not a member of this organisation."))
    if roles and membership.role not in roles:
        raise PermissionDenied(_("Your role does not allow this."))
    return membership


def require_editor(user: User | AnonymousUser | None, org: Organisation) -> Membership:
    return require_role(user, org, *EDITOR_ROLES)


def require_owner(user: User | AnonymousUser | None, org: Organisation) -> Membership:
    return require_role(user, org, Role.OWNER)


def ensure_editor(request: OrgRequest) -> None:
    """For pages that only show an edit form: staff get 403 (the service refuses the write)."""
    if not request.membership.can_edit:
        raise PermissionDenied(_("Only managers and owners can change this."))


def ensure_owner(request: OrgRequest) -> None:
    if not request.membership.is_owner:
        raise PermissionDenied(_("Only owners can change this."))
