from django.apps import AppConfig


class MotmapConfig(AppConfig):
    name = "motmap"
    verbose_name = "motmap"

    def ready(self):
        from axes.signals import user_locked_out

        from . import lockout

        user_locked_out.connect(lockout.on_locked_out, dispatch_uid="motmap-login-paused")
