"""allauth's account adapter: an invitation link proves its address.

Opening a valid invitation link while signed out stores the invitation (its id
and token hash, never the token) in the session, see
:mod:`programs.invitations`. On the sign-up page the address is prefilled,
and if the person signs up with exactly that address (compared lowercased) it
is recorded as verified: the link was mailed there. If they type another
address, nothing is verified and allauth's usual confirmation e-mail applies;
the invitation is not used. Every check re-reads the invitation, so a link
revoked, resent, used or expired since it was opened verifies nothing.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from programs import invitations


class AccountAdapter(DefaultAccountAdapter):
    def is_email_verified(self, request: HttpRequest, email: str) -> bool:
        invitation = invitations.from_session(request)
        return invitation is not None and invitations.same_address(
            invitation.email, email
        )

    def unstash_verified_email(self, request: HttpRequest) -> str | None:
        # allauth would add the stashed address as verified and primary even
        # when the person typed another one; the stash here only prefills the
        # form, and is_email_verified above decides.
        super().unstash_verified_email(request)
        return None

    def get_signup_redirect_url(self, request: HttpRequest) -> Any:
        program = getattr(request, "joined_program", None)
        if program is not None:
            return program.get_absolute_url()
        return super().get_signup_redirect_url(request)
