from django.apps import AppConfig


class MotmapConfig(AppConfig):
    name = "motmap"
    verbose_name = "motmap"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from . import lockout, reauth

        user_locked_out.connect(lockout.on_locked_out, dispatch_uid="motmap-login-paused")
        user_logged_in.connect(reauth.on_login, dispatch_uid="motmap-password-typed")
