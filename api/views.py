"""The API tokens page: each member creates (shown once), lists and revokes their tokens."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from motmap.forms import add_service_errors, posted
from motmap.reauth import recent_password_required
from motmap.tenancy import org_view

from . import services
from .forms import ApiTokenForm
from .models import ApiToken


@never_cache
@org_view
@recent_password_required(_lazy("create an API token"))
def api_token_list(request):
    form = ApiTokenForm(posted(request))
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_token = services.api_token_create(
                actor=request.user, organisation=request.org, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            form = ApiTokenForm()
    tokens = services.api_tokens_for(actor=request.user, organisation=request.org)
    context = {"form": form, "tokens": tokens, "new_token": new_token}
    return render(request, "api/token_list.html", context)


@require_POST
@org_view
def api_token_revoke(request, api_token_id):
    token = get_object_or_404(ApiToken, organisation=request.org, pk=api_token_id)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api_token_list", org_slug=request.org.slug)
