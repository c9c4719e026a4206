"""The `data` of each event: ids, names, status and the page's address. Only the object's own
organisation's data; an anonymous idea never names its author."""

from django.conf import settings
from django.urls import reverse


def _url(name, *args):
    return settings.SITE_URL + reverse(name, args=[str(a) for a in args])


def _ref(obj):
    return {"id": str(obj.pk), "name": obj.name} if obj is not None else None


def _person(user):
    return {"name": user.display_name} if user is not None else None


def idea(idea):
    touchpoint = idea.touchpoint
    return {
        "id": str(idea.pk),
        "number": idea.number,
        "title": idea.title,
        "status": idea.status,
        "status_label": str(idea.get_status_display()),
        "author": _person(idea.author),  # None: anonymous
        "touchpoint": _ref(touchpoint),
        "journey": _ref(touchpoint.journey) if touchpoint else None,
        "url": _url("idea_detail", idea.organisation.slug, idea.pk),
    }


def idea_created(idea_obj):
    return {"idea": idea(idea_obj)}


def idea_status_changed(idea_obj, *, previous, actor, note):
    return {
        "idea": idea(idea_obj),
        "from_status": previous,
        "to_status": idea_obj.status,
        "note": note,
        "changed_by": _person(actor),
        "duplicate_of": (
            {"id": str(idea_obj.duplicate_of.pk), "number": idea_obj.duplicate_of.number}
            if idea_obj.duplicate_of_id
            else None
        ),
    }


def review_completed(review, *, journey, actor):
    return {
        "review": {
            "id": str(review.pk),
            "journey": _ref(journey),
            "held_on": review.held_on.isoformat(),
            "completed_at": review.completed_at.isoformat() if review.completed_at else None,
            "completed_by": _person(actor),
            "summary": review.summary,
            "next_review_on": (
                review.next_review_on.isoformat() if review.next_review_on else None
            ),
            "url": _url("review_detail", review.organisation.slug, review.pk),
        }
    }


def action_overdue(action, *, days_overdue):
    org = action.organisation
    return {
        "action": {
            "id": str(action.pk),
            "title": action.title,
            "status": action.status,
            "due_on": action.due_on.isoformat(),
            "days_overdue": days_overdue,
            "owner": _person(action.owner),
            "journey": _ref(action.journey),
            "touchpoint": _ref(action.touchpoint),
            "review_id": str(action.review_id) if action.review_id else None,
            "url": _url("review_dashboard", org.slug) + "#actions",
        }
    }
