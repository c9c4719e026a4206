from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdeasConfig(AppConfig):
    name = "ideas"
    verbose_name = _("Ideas")

    def ready(self):
        from motmap.signals import user_deleting

        from .services import forget_author

        user_deleting.connect(forget_author, dispatch_uid="ideas-forget-author")
