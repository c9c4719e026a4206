"""Reads shared by the pages (and later the API), with their joins and prefetches."""

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from motmap.models import Organisation

from .models import Journey, Stage


def journeys_with_figures(org: Organisation) -> QuerySet[Journey]:
    """Every journey of `org` with its touchpoint count and figures, in one query."""
    return (
        Journey.objects.for_org(org)
        .select_related("owner")
        .annotate(
            touchpoint_count=Count("touchpoints"),
            moments_per_day=Coalesce(Sum("touchpoints__contacts_per_day"), 0),
            seconds_per_customer=Coalesce(Sum("touchpoints__duration_seconds"), 0),
            below_target=Count(
                "touchpoints",
                filter=Q(touchpoints__rating_current__lt=F("touchpoints__rating_target")),
            ),
        )
        .order_by("name")
    )


def stages_with_counts(journey: Journey) -> QuerySet[Stage]:
    return (
        Stage.objects.filter(journey=journey)
        .annotate(touchpoint_count=Count("touchpoints"))
        .order_by("position")
    )
