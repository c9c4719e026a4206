from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PacksConfig(AppConfig):
    name = "packs"
    verbose_name = _("Review packs")

    def ready(self):
        from reviews.signals import review_completed

        from . import services

        review_completed.connect(services.on_review_completed, dispatch_uid="packs-review-pack")
