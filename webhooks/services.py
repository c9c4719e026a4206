"""Webhook endpoints (owners only) and `emit`, which the domain services call.

`emit(event, organisation, data)` runs inside the domain service's transaction: it writes one
WebhookDelivery per active endpoint of the organisation subscribed to the event and, once the
transaction commits, hands each to the worker (webhooks.delivery). A rolled-back change emits
nothing; a broker that is down only delays: the beat sweeps due deliveries.
"""

import uuid
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motmap.enqueue import enqueue_on_commit
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
DESCRIPTION_MAX = WebhookEndpoint._meta.get_field("description").max_length
REASON_MAX = WebhookEndpoint._meta.get_field("disabled_reason").max_length
ONCE_KEY_MAX = WebhookEventOnce._meta.get_field("key").max_length


def _clean(*, url, events, description):
    errors = {}
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


def _check_endpoint(actor, endpoint):
    require_owner(actor, endpoint.organisation)


@transaction.atomic
def endpoint_create(*, actor, organisation, url, events, description=""):
    require_owner(actor, organisation)
    url, events, description = _clean(url=url, events=events, description=description)
    if WebhookEndpoint.objects.for_org(organisation).count() >= MAX_ENDPOINTS_PER_ORG:
        raise ValidationError(
            _("An organisation can have %(n)d webhooks: delete one first.")
            % {"n": MAX_ENDPOINTS_PER_ORG}
        )
    return WebhookEndpoint.objects.create(
        organisation=organisation,
        url=url,
        events=events,
        description=description,
        created_by=actor,
    )


@transaction.atomic
def endpoint_update(*, actor, endpoint, url, events, description=""):
    _check_endpoint(actor, endpoint)
    url, events, description = _clean(url=url, events=events, description=description)
    endpoint.url, endpoint.events, endpoint.description = url, events, description
    endpoint.save(update_fields=["url", "events", "description"])
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor, endpoint):
    _check_endpoint(actor, endpoint)
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(*, actor, endpoint):
    """A new secret at once: deliveries sent from now on are signed with it."""
    _check_endpoint(actor, endpoint)
    endpoint.secret = new_secret()
    endpoint.secret_rotated_at = timezone.now()
    endpoint.save(update_fields=["secret", "secret_rotated_at"])
    return endpoint


@transaction.atomic
def endpoint_enable(*, actor, endpoint):
    """Turn an endpoint back on (after it was disabled for failing, or by an owner)."""
    _check_endpoint(actor, endpoint)
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
def endpoint_disable(*, actor, endpoint):
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
    return bool(changed)


def endpoints_for(*, actor, organisation):
    require_owner(actor, organisation)
    return WebhookEndpoint.objects.for_org(organisation).order_by("created_at")


# --- events ------------------------------------------------------------------------------------


def envelope(event, organisation, data, *, event_id=None, created_at=None):
    return {
        "id": str(event_id or uuid.uuid4()),
        "event": str(event),
        "created_at": (created_at or timezone.now()).isoformat(),
        "organisation": organisation.slug,
        "data": data,
    }


def _queue(deliveries):
    for delivery in deliveries:
        enqueue_on_commit(SEND_TASK, str(delivery.pk), sweep="the webhook sweep")
    return deliveries


def emit(event, organisation, data):
    """Write a delivery for every active endpoint of `organisation` subscribed to `event`.

    Call it inside the transaction of the change: the deliveries are sent once it commits.
    `data` must hold only `organisation`'s data. Returns the deliveries written.
    """
    return emit_many(event, [(organisation, data)])


def emit_many(event, items):
    """`emit` for many (organisation, data) pairs with a fixed number of queries."""
    items = list(items)
    if not items:
        return []
    endpoints = defaultdict(list)
    for endpoint in WebhookEndpoint.objects.filter(
        organisation_id__in={org.pk for org, _data in items}, active=True
    ):
        if endpoint.subscribes_to(event):
            endpoints[endpoint.organisation_id].append(endpoint)
    now = timezone.now()
    rows = []
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


def emit_once(event, items):
    """`emit_many`, but only the first time for each key: items are (organisation, key, data),
    e.g. an action becoming overdue. Call it where the objects are locked or claimed."""
    items = {f"{event}:{key}"[:ONCE_KEY_MAX]: (org, data) for org, key, data in items}
    if not items:
        return []
    seen = set(WebhookEventOnce.objects.filter(key__in=items).values_list("key", flat=True))
    new = {key: value for key, value in items.items() if key not in seen}
    WebhookEventOnce.objects.bulk_create(
        [WebhookEventOnce(organisation=org, key=key) for key, (org, _data) in new.items()],
        ignore_conflicts=True,
    )
    return emit_many(event, new.values())


@transaction.atomic
def endpoint_ping(*, actor, endpoint):
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
def delivery_replay(*, actor, delivery):
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
