from django.apps import AppConfig


class MotmapConfig(AppConfig):
    name = "motmap"
    verbose_name = "motmap"
