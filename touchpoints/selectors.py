from .models import Rating, Touchpoint, TouchpointChange

FIELD_LABELS = {
    f.name: f.verbose_name for f in Touchpoint._meta.get_fields() if hasattr(f, "verbose_name")
}


def _display(field, value):
    if field in ("rating_current", "rating_target"):
        try:
            return Rating(int(value)).label
        except (TypeError, ValueError):
            return value
    return value


def touchpoint_history(touchpoint, limit=100):
    """Who changed the desired outcome, customer wants and ratings, when, from what, to what."""
    changes = (
        TouchpointChange.objects.filter(touchpoint=touchpoint)
        .select_related("actor")
        .order_by("-changed_at")[:limit]
    )
    return [
        {
            "change": c,
            "label": FIELD_LABELS.get(c.field, c.field),
            "old": _display(c.field, c.old_value),
            "new": _display(c.field, c.new_value),
        }
        for c in changes
    ]


def conflicting_fields(form, current):
    """The fields where the user's edit and the saved version differ, with both texts."""
    rows = []
    for name, value in form.cleaned_data.items():
        if name == "version" or not hasattr(current, name):
            continue
        saved = getattr(current, name)
        if name == "habits":
            saved, value = sorted(saved or []), sorted(value or [])
        if saved != value:
            rows.append(
                {
                    "label": FIELD_LABELS.get(name, name),
                    "yours": _display(name, value),
                    "theirs": _display(name, saved),
                }
            )
    return rows


def last_saved(touchpoint):
    """Who saved the touchpoint last and when: (user or None, datetime). One query.

    The latest history row gives both. History is kept for the tracked fields only, so a later
    save (`updated_at` after that row, e.g. only the name changed) is shown as (None, when it
    was saved): the time is known, the person is not. (None, None) for an unsaved touchpoint.
    """
    change = (
        TouchpointChange.objects.filter(touchpoint_id=touchpoint.pk)
        .select_related("actor")
        .order_by("-changed_at")
        .first()
    )
    saved_at = None if "updated_at" in touchpoint.get_deferred_fields() else touchpoint.updated_at
    if change is not None and (saved_at is None or change.changed_at >= saved_at):
        return change.actor, change.changed_at
    return None, saved_at
