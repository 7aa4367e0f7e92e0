"""Plain-text e-mail from templates, sent after the transaction commits.

Templates: ``<name>_subject.txt`` (one line) and ``<name>_message.txt``.
Sending on commit means a rolled-back change never mails anyone. Mail leaves
the site, so a ``url`` in the context that is a path becomes an absolute link
on ``settings.SITE_URL`` (cron jobs have no request to build one from).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    """``path`` on the public site (``SITE_URL``); absolute URLs unchanged."""
    if not path.startswith("/") or path.startswith("//"):
        return path
    return settings.SITE_URL.rstrip("/") + path


def render_mail(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) for ``template`` rendered with ``context``."""
    context = {**context, "site_url": settings.SITE_URL}
    if isinstance(context.get("url"), str):
        context["url"] = absolute_url(context["url"])
    subject: str = render_to_string(f"{template}_subject.txt", context)

    subject = " ".join(subject.split())  # one line: headers cannot hold newlines
    body = render_to_string(f"{template}_message.txt", context)
    return subject, body


def send_templated_mail(
    template: str, recipients: Iterable[str], context: dict[str, Any]
) -> None:
    """Mail each recipient separately (nobody sees the other addresses)."""
    subject, body = render_mail(template, context)
    messages = [
        (subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        for address in sorted(set(recipients))
        if address
    ]
    if messages:
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
