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
