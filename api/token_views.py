"""The profile's API token page: create, regenerate or revoke your key."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from api import services
from hub.core.http import AuthedRequest


class TokenActionForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        choices=[
            ("create", gettext_lazy("Create a token")),
            ("revoke", gettext_lazy("Revoke the token")),
        ],
    )


#: Session key holding a just-created token until the page shows it once.
NEW_KEY = "api-token-new-key"


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: AuthedRequest) -> HttpResponse:
    """GET shows whether you have a token (and a just-created key, once);
    POST ``action=create`` makes or replaces it, ``action=revoke`` deletes it.

    POST redirects back (so reloading the page never replaces the token);
    the new key rides in the session until that one GET takes it out.
    """
    if request.method == "POST":
        form = TokenActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose to create or to revoke the token."))
        elif form.cleaned_data["action"] == "revoke":
            request.session.pop(NEW_KEY, None)
            if services.revoke_token(request.user, actor=request.user):
                messages.success(request, _("Your API token is revoked."))
        else:
            issued = services.issue_token(request.user, actor=request.user)
            request.session[NEW_KEY] = issued.key

        return redirect("api-token")
    token = Token.objects.filter(user=request.user).first()
    new_key = request.session.pop(NEW_KEY, None)
    if token is None or new_key != token.key:
        new_key = None  # revoked or replaced since
    endpoint = request.build_absolute_uri(reverse("api-ventures-list"))
    response = render(
        request,
        "api/token.html",
        {
            "token": token,
            "new_key": new_key,
            "curl_example": f'curl -H "Authorization: Token {new_key}" {endpoint}',
            "docs_url": reverse("api-docs"),
        },
    )
    # The key may be on this page: keep it out of every cache.
    add_never_cache_headers(response)
    return response
