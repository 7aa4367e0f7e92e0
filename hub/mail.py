"""Plain-text e-mail from templates, sent after the transaction commits.

Templates: ``<name>_subject.txt`` (one line) and ``<name>_message.txt``.
Sending on commit means a rolled-back change never mails anyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string


def render_mail(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) for ``template`` rendered with ``context``."""
    subject = render_to_string(f"{template}_subject.txt", context)
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
