from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    """The page layer: screens that put several apps together, and the project's URL tree."""

    name = "pages"
    verbose_name = _("Pages")
