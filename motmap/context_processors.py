from .models import Membership


def tenancy(request):
    """The current organisation and role, and the person's other organisations (switcher)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    org = getattr(request, "org", None)
    return {
        "org": org,
        "membership": getattr(request, "membership", None),
        "my_memberships": lambda: list(
            Membership.objects.filter(user=user).select_related("organisation")
        ),
    }
