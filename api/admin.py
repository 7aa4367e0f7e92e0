"""No API tokens in the admin: DRF's token admin lists every key in clear and
creates tokens for anyone, around ``api.services`` and its audit rows. People
manage their own token on /accounts/api-token/."""

from __future__ import annotations

from django.contrib import admin
from rest_framework.authtoken import admin as token_admin  # noqa: F401 - registers it first
from rest_framework.authtoken.models import TokenProxy

admin.site.unregister(TokenProxy)
