"""Webhook endpoints (owners only) and `emit`, which the domain services call.

`emit(event, organisation, data)` runs inside the domain service's transaction: it writes one
WebhookDelivery per active endpoint of the organisation subscribed to the event and, once the
transaction commits, hands each to the worker (webhooks.delivery). A rolled-back change emits
nothing; a broker that is down only delays: the beat sweeps due deliveries.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motmap import audit
from motmap.enqueue import enqueue_on_commit
from motmap.fields import max_length
from motmap.models import Organisation, User
from motmap.tenancy import require_owner

from .models import (
    SUBSCRIBABLE,
    DeliveryStatus,
    Event,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventOnce,
    new_secret,
)
from .urlcheck import check_url

SEND_TASK = "webhooks.tasks.send_webhook"
MAX_ENDPOINTS_PER_ORG = 20
DESCRIPTION_MAX = max_length(WebhookEndpoint, "description")
REASON_MAX = max_length(WebhookEndpoint, "disabled_reason")
ONCE_KEY_MAX = max_length(WebhookEventOnce, "key")

# An event's `data`: what the JSON body carries (webhooks.payloads).
Data = Mapping[str, Any]


def _clean(
    *, url: str, events: Iterable[str] | None, description: str | None
) -> tuple[str, list[str], str]:
    errors: dict[str, list[str]] = {}
    try:
        check_url(url)
    except ValidationError as exc:
        errors["url"] = exc.messages
    events = list(dict.fromkeys(events or []))
    if not events:
        errors["events"] = [_("Choose at least one event.")]
    elif any(e not in [s.value for s in SUBSCRIBABLE] for e in events):
        errors["events"] = [_("Choose events from the list.")]
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX or "\x00" in description:
        errors["description"] = [
            _("Keep the description under %(n)d characters.") % {"n": DESCRIPTION_MAX}
        ]
    if errors:
        raise ValidationError(errors)
    return url.strip(), events, description


def _check_endpoint(actor: User, endpoint: WebhookEndpoint) -> None:
    require_owner(actor, endpoint.organisation)


def _log(actor: User, endpoint: WebhookEndpoint, verb: str, changes: Any = None) -> None:
    audit.record(
        actor=actor,
        organisation=endpoint.organisation,
        action=f"webhook.{verb}",
        target=endpoint,
        changes=changes,
    )


@transaction.atomic
def endpoint_create(
    *,
    actor: User,
    organisation: Organisation,
    url: str,
    events: Iterable[str] | None,
    description: str | None = "",
) -> WebhookEndpoint:
    require_owner(actor, organisation)
    url, events, description = _clean(url=url, events=events, description=description)
    if WebhookEndpoint.objects.for_org(organisation).count() >= MAX_ENDPOINTS_PER_ORG:
        raise ValidationError(
            _("An organisation can have %(n)d webhooks: delete one first.")
            % {"n": MAX_ENDPOINTS_PER_ORG}
        )
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation,
        url=url,
        events=events,
        description=description,
        created_by=actor,
    )
    _log(actor, endpoint, "created", {"events": events})
    return endpoint


@transaction.atomic
def endpoint_update(
    *,
    actor: User,
    endpoint: WebhookEndpoint,
    url: str,
    events: Iterable[str] | None,
    description: str | None = "",
) -> WebhookEndpoint:
    _check_endpoint(actor, endpoint)
    url, events, description = _clean(url=url, events=events, description=description)
    before = audit.stored(endpoint, ["url", "events", "description"])
    endpoint.url, endpoint.events, endpoint.description = url, events, description
    endpoint.save(update_fields=["url", "events", "description"])
    if changes := audit.changed(before, endpoint):
        _log(actor, endpoint, "updated", changes)
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor: User, endpoint: WebhookEndpoint) -> None:
    _check_endpoint(actor, endpoint)
    _log(actor, endpoint, "deleted")
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(*, actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret at once: deliveries sent from now on are signed with it."""
    _check_endpoint(actor, endpoint)
    endpoint.secret = new_secret()
    endpoint.secret_rotated_at = timezone.now()
    endpoint.save(update_fields=["secret", "secret_rotated_at"])
    _log(actor, endpoint, "secret_rotated")  # never the secret itself
    return endpoint


@transaction.atomic
def endpoint_enable(*, actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Turn an endpoint back on (after it was disabled for failing, or by an owner)."""
    _check_endpoint(actor, endpoint)
    _log(actor, endpoint, "enabled")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=True,
        disabled_at=None,
        disabled_reason="",
        consecutive_failures=0,
        failing_since=None,
    )
    endpoint.refresh_from_db()
    return endpoint


@transaction.atomic
def endpoint_disable(*, actor: User, endpoint: WebhookEndpoint) -> bool:
    """An owner turns an endpoint off. Deliveries waiting for a retry give up."""
    _check_endpoint(actor, endpoint)
    reason = _("Turned off by %(name)s.") % {"name": actor.display_name}
    changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).update(
        active=False, disabled_at=timezone.now(), disabled_reason=reason[:REASON_MAX]
    )
    WebhookDelivery.objects.filter(endpoint=endpoint, next_attempt_at__isnull=False).update(
        status=DeliveryStatus.GAVE_UP,
        next_attempt_at=None,
        last_error=_("The endpoint was turned off."),
    )
    endpoint.refresh_from_db()
    if changed:
        _log(actor, endpoint, "disabled")
    return bool(changed)


def endpoints_for(*, actor: User, organisation: Organisation) -> QuerySet[WebhookEndpoint]:
    require_owner(actor, organisation)
    return WebhookEndpoint.objects.for_org(organisation).order_by("created_at")


# --- events ------------------------------------------------------------------------------------


def envelope(
    event: str,
    organisation: Organisation,
    data: Data,
    *,
    event_id: uuid.UUID | None = None,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "id": str(event_id or uuid.uuid4()),
        "event": str(event),
        "created_at": (created_at or timezone.now()).isoformat(),
        "organisation": organisation.slug,
        "data": data,
    }


def _queue(deliveries: list[WebhookDelivery]) -> list[WebhookDelivery]:
    for delivery in deliveries:
        enqueue_on_commit(SEND_TASK, str(delivery.pk), sweep="the webhook sweep")
    return deliveries


def emit(event: str, organisation: Organisation, data: Data) -> list[WebhookDelivery]:
    """Write a delivery for every active endpoint of `organisation` subscribed to `event`.

    Call it inside the transaction of the change: the deliveries are sent once it commits.
    `data` must hold only `organisation`'s data. Returns the deliveries written.
    """
    return emit_many(event, [(organisation, data)])


def emit_many(event: str, items: Iterable[tuple[Organisation, Data]]) -> list[WebhookDelivery]:
    """`emit` for many (organisation, data) pairs with a fixed number of queries."""
    items = list(items)
    if not items:
        return []
    endpoints: defaultdict[uuid.UUID, list[WebhookEndpoint]] = defaultdict(list)
    for endpoint in WebhookEndpoint.objects.filter(
        organisation_id__in={org.pk for org, _data in items}, active=True
    ):
        if endpoint.subscribes_to(event):
            endpoints[endpoint.organisation_id].append(endpoint)
    now = timezone.now()
    rows: list[WebhookDelivery] = []
    for organisation, data in items:
        if not endpoints[organisation.pk]:
            continue
        event_id = uuid.uuid4()
        payload = envelope(event, organisation, data, event_id=event_id, created_at=now)
        rows += [
            WebhookDelivery(
                endpoint=endpoint,
                event=str(event),
                event_id=event_id,
                payload=payload,
                next_attempt_at=now,
                created_at=now,
            )
            for endpoint in endpoints[organisation.pk]
        ]
    if not rows:
        return []
    return _queue(WebhookDelivery.objects.bulk_create(rows))


def emit_once(
    event: str, items: Iterable[tuple[Organisation, object, Data]]
) -> list[WebhookDelivery]:
    """`emit_many`, but only the first time for each key: items are (organisation, key, data),
    e.g. an action becoming overdue. Call it where the objects are locked or claimed."""
    by_key = {f"{event}:{key}"[:ONCE_KEY_MAX]: (org, data) for org, key, data in items}
    if not by_key:
        return []
    seen = set(WebhookEventOnce.objects.filter(key__in=by_key).values_list("key", flat=True))
    new = {key: value for key, value in by_key.items() if key not in seen}
    WebhookEventOnce.objects.bulk_create(
        [WebhookEventOnce(organisation=org, key=key) for key, (org, _data) in new.items()],
        ignore_conflicts=True,
    )
    return emit_many(event, new.values())


@transaction.atomic
def endpoint_ping(*, actor: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send a test event ("ping") to one endpoint, active or not."""
    _check_endpoint(actor, endpoint)
    now = timezone.now()
    data = {
        "message": _("A test from motmap: the endpoint is reachable."),
        "endpoint": {"id": str(endpoint.pk), "url": endpoint.url},
        "sent_by": actor.display_name,
    }
    payload = envelope(Event.PING, endpoint.organisation, data, created_at=now)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=Event.PING,
        event_id=payload["id"],
        payload=payload,
        next_attempt_at=now,
        created_at=now,
    )
    return _queue([delivery])[0]


@transaction.atomic
def delivery_replay(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again: a new row with the same event id and payload (signed anew)."""
    endpoint = delivery.endpoint
    _check_endpoint(actor, endpoint)
    if not endpoint.active:
        raise ValidationError(_("Turn the endpoint on before replaying a delivery."))
    if delivery.next_attempt_at is not None:
        raise ValidationError(_("This delivery is still being tried: wait for it to finish."))
    now = timezone.now()
    replay = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=delivery.event,
        event_id=delivery.event_id,
        payload=delivery.payload,
        replay_of=delivery,
        next_attempt_at=now,
        created_at=now,
    )
    return _queue([replay])[0]
