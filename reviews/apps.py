from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self):
        from motmap.signals import organisation_schedule_changed
        from notifications.calendar import register_source

        from . import calendar, reminders

        register_source(calendar.review_events)
        organisation_schedule_changed.connect(
            reminders.on_organisation_schedule_changed, dispatch_uid="reviews-reschedule"
        )
