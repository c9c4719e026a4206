"""The audit log of an organisation: who changed what, when, through which API token.

Every service that changes something people would ask about later ("who archived this
journey?", "who made Bob an owner?", "which script rated the check-in desk?") calls `record`
inside its own transaction, so the entry exists exactly when the change does. An update records
the old and new values of the fields that matter: read them with `stored` before the change and
pass `changed(before, obj)` after it.

The API marks the request's token (`acting_through`, called by its authentication), and the
`AuditContextMiddleware` forgets it when the request ends, so an entry says which token a change
came through. Entries are never changed through the app (`AuditEntry` refuses updates); they go
with their organisation, or after AUDIT_RETENTION_DAYS by the daily prune (`prune`).
"""

import uuid
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, Organisation, User

# What the log's filter offers, and how an entry reads: "<area>.<verb>".
AREAS = {
    "organisation": _("Organisation settings"),
    "member": _("Members and roles"),
    "invitation": _("Invitations"),
    "journey": _("Journeys"),
    "stage": _("Stages"),
    "touchpoint": _("Touchpoints"),
    "idea": _("Ideas"),
    "review": _("Reviews"),
    "action": _("Actions"),
    "feedback": _("Customer feedback"),
    "api_token": _("API tokens"),
    "webhook": _("Webhooks"),
    "export": _("Exports"),
    "account": _("Accounts"),
}
VERBS = {
    "created": _("created"),
    "updated": _("changed"),
    "deleted": _("deleted"),
    "archived": _("archived"),
    "restored": _("restored"),
    "moved": _("moved"),
    "imported": _("imported"),
    "fed": _("fed ratings through the API"),
    "rated": _("rated"),
    "status_changed": _("changed the status of"),
    "role_changed": _("changed the role of"),
    "removed": _("removed"),
    "left": _("left"),
    "joined": _("joined"),
    "revoked": _("revoked"),
    "started": _("started"),
    "completed": _("completed"),
    "cancelled": _("cancelled"),
    "closed": _("closed"),
    "opened": _("opened feedback at"),
    "reopened": _("reopened feedback at"),
    "rotated": _("made a new code for"),
    "secret_rotated": _("made a new secret for"),
    "enabled": _("turned on"),
    "disabled": _("turned off"),
    "login_unpaused": _("lifted the login pause of"),
    "requested": _("requested"),
    "downloaded": _("downloaded"),
    "anonymised": _("anonymised"),
}
TEXT_LIMIT = 300  # characters of a text value kept in an entry

_via: ContextVar[tuple[str, uuid.UUID | None]] = ContextVar("audit_via", default=("", None))


def acting_through(label: str, token_id: uuid.UUID) -> None:
    """The changes of this request come through an API token (its label and id)."""
    _via.set((label[: AuditEntry._meta.get_field("via_token").max_length], token_id))


class AuditContextMiddleware:
    """Each request starts and ends with no API token marked (threads serve many requests)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _via.set(("", None))
        try:
            return self.get_response(request)
        finally:
            _via.reset(token)


def _plain(value: Any) -> Any:
    """A value as JSON keeps it, readable: texts shortened, dates as ISO, objects by name."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= TEXT_LIMIT else value[: TEXT_LIMIT - 1] + "…"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return _plain(str(value))


def stored(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The fields' values as the database has them now, before a change is saved (a form may
    already have put the new values on `obj`). Related objects by their name."""
    fields = list(fields)
    row = type(obj)._default_manager.filter(pk=obj.pk).values(*fields).first() or {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.is_relation and row.get(name) is not None:
            related = field.related_model._default_manager.filter(pk=row[name]).first()  # type: ignore[union-attr]
            row[name] = str(related) if related is not None else None
    return row


def changed(before: Mapping[str, Any], obj: models.Model) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields of `before` whose value `obj` now has differently."""
    result = {}
    for name, old in before.items():
        new = getattr(obj, name)
        if isinstance(new, models.Model):
            new = str(new)
        if _plain(old) != _plain(new):
            result[name] = [_plain(old), _plain(new)]
    return result


def record(
    *,
    actor: User | None,
    organisation: Organisation,
    action: str,
    target: models.Model | None = None,
    label: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Write one entry, in the transaction of the change (it must be inside one)."""
    if not connection.in_atomic_block:
        raise RuntimeError("An audit entry is written in the transaction of its change.")
    via, token_id = _via.get()
    limit = AuditEntry._meta.get_field("target_label").max_length or 255
    return AuditEntry.objects.create(
        organisation=organisation,
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.display_name if actor is not None and actor.pk else "",
        via_token=via,
        token_id=token_id,
        action=action,
        target_type=target._meta.model_name or "" if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(label or (str(target) if target is not None else ""))[:limit],
        changes=_plain(dict(changes or {})),
    )


def entries(
    organisation: Organisation,
    *,
    person: int | None = None,
    former_members: bool = False,
    area: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """The organisation's entries, newest first, filtered; days in the organisation's zone."""
    found = AuditEntry.objects.filter(organisation=organisation).select_related("actor")
    if former_members:
        found = found.filter(actor__isnull=True)
    elif person is not None:
        found = found.filter(actor_id=person)
    if area:
        found = found.filter(action__startswith=f"{area}.")
    tz = organisation.tzinfo
    if since is not None:
        found = found.filter(at__gte=datetime.combine(since, datetime.min.time(), tz))
    if until is not None:
        end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tz)
        found = found.filter(at__lt=end)
    return found.order_by("-at", "-pk")


def people(organisation: Organisation) -> list[tuple[int, str]]:
    """Whom the log's filter offers: the members, and anyone else with an entry (who left)."""
    from_entries = AuditEntry.objects.filter(organisation=organisation, actor__isnull=False)
    members = organisation.memberships.values("user_id")
    users = User.objects.filter(
        models.Q(pk__in=members) | models.Q(pk__in=from_entries.values("actor_id"))
    ).order_by("full_name", "email")
    return [(user.pk, f"{user.display_name} ({user.email})") for user in users]


def describe(entry: AuditEntry) -> str:
    """What happened, in words: "changed touchpoint Check-in desk"."""
    area, _dot, verb = entry.action.partition(".")
    what = VERBS.get(verb, verb.replace("_", " "))
    return f"{what} {entry.target_label}".strip() if entry.target_label else str(what)


def details(entry: AuditEntry) -> list[tuple[str, str]]:
    """The entry's changes as (field, "old → new") or (fact, value) lines."""

    def text(value: Any) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, list):
            return ", ".join(text(v) for v in value) or "—"
        return str(value)

    lines = []
    for name, value in (entry.changes or {}).items():
        label = name.replace("_", " ")
        if isinstance(value, list) and len(value) == 2:
            lines.append((label, f"{text(value[0])} → {text(value[1])}"))
        else:
            lines.append((label, text(value)))
    return lines


def forget_person(user: User) -> int:
    """The person's account is being deleted: their entries keep what happened, not their name
    (the actor link goes with the account). The one change ever made to an entry."""
    return models.QuerySet(AuditEntry).filter(actor=user).update(actor_name="")


@transaction.atomic
def prune(*, older_than: timedelta) -> int:
    """Delete entries older than `older_than` (AUDIT_RETENTION_DAYS); returns how many."""
    old = AuditEntry.objects.filter(at__lt=timezone.now() - older_than)
    return old._raw_delete(old.db)
