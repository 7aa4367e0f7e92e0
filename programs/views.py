"""Pages for programs: the list, a program's space, its management pages and
the invitation link.

Every page looks the program up with ``get_program_for_user``: someone who is
not in the program gets 404, whatever the page. Management pages then need
``programs.manage_program`` (managers and city staff): a member gets 403.
"""

from __future__ import annotations

from typing import Any

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hub.core.http import AuthedRequest
from hub.core.permissions import is_city_staff, require
from programs import invitations as session_invitations
from programs import services
from programs.access import (
    get_cohort_for_manager,
    get_invitation_for_manager,
    get_membership_for_manager,
    get_program_for_user,
)
from programs.forms import CohortForm, InviteForm, MemberForm, ProgramForm
from programs.models import (
    Cohort,
    Invitation,
    MemberRole,
    Program,
    ProgramMembership,
)
from programs.rules import manages


def _link_base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _managed(request: HttpRequest, slug: str) -> Program:
    """The program for a management page: 404 for non-members, 403 for members
    who do not manage it."""
    program = get_program_for_user(request.user, slug)
    require(request.user, "programs.manage_program", program)
    return program


@login_required
@require_GET
def program_list(request: AuthedRequest) -> HttpResponse:
    members = (
        ProgramMembership.objects.filter(program=OuterRef("pk"))
        .order_by()
        .values("program")
        .annotate(n=Count("pk"))
        .values("n")
    )
    programs = list(
        Program.objects.visible_to(request.user).annotate(
            member_count=Coalesce(Subquery(members), 0)
        )
    )
    return render(
        request,
        "programs/list.html",
        {
            "programs": programs,
            # rules alone: the model backend would load every permission.
            "can_create": rules.has_perm("programs.create_program", request.user),
        },
    )


@login_required
@require_GET
def program_detail(request: AuthedRequest, slug: str) -> HttpResponse:
    user = request.user
    program = get_program_for_user(user, slug)
    managers = list(program.managers.all())
    # Answers manages() for this page without another query.
    program.__dict__["_manager_ids"] = {user.pk: any(m.pk == user.pk for m in managers)}
    memberships = list(
        program.memberships.select_related("user", "cohort").order_by(
            "user__display_name", "id"
        )
    )
    by_role = [
        (label, [m for m in memberships if m.role == value])
        for value, label in MemberRole.choices
    ]
    # Through the reverse relations Idea.program and Challenge.program declare:
    # programs does not import ideas or challenges, the apps above it.
    ideas = list(
        program.ideas.visible_to(user)
        .select_related("owner")
        .order_by("-updated_at", "-id")
    )
    challenges = list(program.challenges.all())
    context = {
        "program": program,
        "managers": managers,
        "cohorts": list(program.cohorts.all()),
        "by_role": by_role,
        "member_count": len(memberships),
        "ideas": ideas,
        "challenges": challenges,
        "can_manage": user.has_perm("programs.manage_program", program),
    }
    return render(request, "programs/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def program_create(request: AuthedRequest) -> HttpResponse:
    require(request.user, "programs.create_program", None)
    form = ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            program = services.create_program(
                actor=request.user,
                fields=form.cleaned_data,
                managers=form.cleaned_data["managers"],
            )
        except services.ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The program is created."))
            return redirect(program)
    return render(request, "programs/form.html", {"form": form, "program": None})


@login_required
@require_http_methods(["GET", "POST"])
def program_edit(request: AuthedRequest, slug: str) -> HttpResponse:
    program = _managed(request, slug)
    staff = is_city_staff(request.user)
    if request.method == "POST":
        form = ProgramForm(
            request.POST,
            instance=Program.objects.get(pk=program.pk),
            can_set_managers=staff,
        )
        if form.is_valid():
            try:
                services.update_program(
                    program,
                    actor=request.user,
                    fields=form.cleaned_data,
                    managers=form.cleaned_data["managers"] if staff else None,
                )
            except services.ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect(program)
    else:
        form = ProgramForm(
            instance=program,
            can_set_managers=staff,
            initial={"managers": list(program.managers.all())},
        )
    return render(request, "programs/form.html", {"form": form, "program": program})


@login_required
@require_http_methods(["GET", "POST"])
def cohort_add(request: AuthedRequest, slug: str) -> HttpResponse:
    program = _managed(request, slug)
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_cohort(program, actor=request.user, fields=form.cleaned_data)
        except services.ServiceError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("The cohort is added."))
            return redirect(program)
    context = {"form": form, "program": program, "cohort": None}
    return render(request, "programs/cohort_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cohort_edit(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    program = get_program_for_user(request.user, slug)
    cohort = get_cohort_for_manager(request.user, program, pk)
    if request.method == "POST":
        form = CohortForm(request.POST, instance=Cohort.objects.get(pk=cohort.pk))
        if form.is_valid():
            try:
                services.update_cohort(
                    cohort, actor=request.user, fields=form.cleaned_data
                )
            except services.ServiceError as error:
                form.add_error("name", str(error))
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect(program)
    else:
        form = CohortForm(instance=cohort)
    context = {"form": form, "program": program, "cohort": cohort}
    return render(request, "programs/cohort_form.html", context)


def _members_context(program: Program, forms: dict[int, MemberForm]) -> dict[str, Any]:
    cohorts = list(program.cohorts.all())
    memberships = list(
        program.memberships.select_related("user", "cohort").order_by(
            "user__display_name", "id"
        )
    )
    for membership in memberships:
        membership.program = program  # no query per row
        # The row's form, for the template.
        membership.form = forms.get(membership.pk) or MemberForm.for_membership(  # type: ignore[attr-defined]
            membership, cohorts
        )
    return {"program": program, "memberships": memberships}


@login_required
@require_GET
def member_list(request: AuthedRequest, slug: str) -> HttpResponse:
    program = _managed(request, slug)
    return render(request, "programs/members.html", _members_context(program, {}))


@login_required
@require_POST
def member_change(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    program = get_program_for_user(request.user, slug)
    membership = get_membership_for_manager(request.user, program, pk)
    cohorts = list(program.cohorts.all())
    form = MemberForm(
        request.POST, program=program, cohorts=cohorts, prefix=f"m{membership.pk}"
    )
    if form.is_valid():
        try:
            services.change_member(
                membership,
                actor=request.user,
                role=form.cleaned_data["role"],
                cohort=form.cleaned_data["cohort"],
            )
        except services.ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(name)s's membership is updated.")
                % {"name": membership.user.display_name},
            )
            return redirect("programs-members", program.slug)
    context = _members_context(program, {membership.pk: form})
    return render(request, "programs/members.html", context, status=400)


@login_required
@require_POST
def member_remove(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    program = get_program_for_user(request.user, slug)
    membership = get_membership_for_manager(request.user, program, pk)
    services.remove_member(membership, actor=request.user)
    messages.success(
        request,
        _("%(name)s is no longer in the program.")
        % {"name": membership.user.display_name},
    )
    return redirect("programs-members", program.slug)


@login_required
@require_GET
def invitation_list(request: AuthedRequest, slug: str) -> HttpResponse:
    program = _managed(request, slug)
    invitations = list(
        Invitation.objects.filter(program=program).select_related(
            "cohort", "invited_by", "accepted_by"
        )
    )
    return render(
        request,
        "programs/invitations.html",
        {"program": program, "invitations": invitations},
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: AuthedRequest, slug: str) -> HttpResponse:
    """Paste addresses, preview how each is treated, then send."""
    program = _managed(request, slug)
    form = InviteForm(request.POST or None, program=program)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "send" in request.POST:
            try:
                sent = services.send_invitations(
                    program,
                    actor=request.user,
                    text=data["addresses"],
                    role=data["role"],
                    cohort=data["cohort"],
                    link_base=_link_base(request),
                )
            except services.ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("%(n)d invitations sent.") % {"n": len(sent)}
                    if len(sent) != 1
                    else _("1 invitation sent."),
                )
                return redirect("programs-invitations", program.slug)
        preview = services.preview_invitations(program, data["addresses"])
    context = {
        "program": program,
        "form": form,
        "preview": preview,
        "expiry_days": settings.INVITATION_EXPIRY_DAYS,
        "left": max(
            0,
            settings.INVITATION_RATE_LIMIT - services.sent_in_last_hour(request.user),
        ),
    }
    return render(request, "programs/invite.html", context)


@login_required
@require_POST
def invitation_resend(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    program = get_program_for_user(request.user, slug)
    invitation = get_invitation_for_manager(request.user, program, pk)
    try:
        services.resend_invitation(
            invitation, actor=request.user, link_base=_link_base(request)
        )
    except services.ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("A new link is sent to %(email)s; the previous one no longer works.")
            % {"email": invitation.email},
        )
    return redirect("programs-invitations", program.slug)


@login_required
@require_POST
def invitation_revoke(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    program = get_program_for_user(request.user, slug)
    invitation = get_invitation_for_manager(request.user, program, pk)
    try:
        services.revoke_invitation(invitation, actor=request.user)
    except services.ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The invitation to %(email)s is revoked.") % {"email": invitation.email},
        )
    return redirect("programs-invitations", program.slug)


# --------------------------------------------------------------------------------------
# The link in the e-mail
# --------------------------------------------------------------------------------------

#: Status codes of the invitation link's pages (also in docs/features/programs.md):
#: an unknown, tampered or superseded token is 404; a revoked (also because
#: its sender can no longer invite), used or expired one is 410 Gone; a valid link opened by an account without the
#: invited address (verified) is 403. None of these pages shows the address.
STATUS_FOR = {
    "revoked": 410,
    "inviter": 410,
    "used": 410,
    "expired": 410,
    "wrong_account": 403,
}


def _refused(
    request: HttpRequest, reason: str, invitation: Invitation | None
) -> HttpResponse:
    # Only the person who accepted it is pointed at the program.
    program = None
    if (
        invitation is not None
        and reason == "used"
        and request.user.is_authenticated
        and invitation.accepted_by_id == request.user.pk
    ):
        program = invitation.program
    return render(
        request,
        "programs/invitation_refused.html",
        {"reason": reason, "program": program},
        status=STATUS_FOR.get(reason, 404),
    )


@require_http_methods(["GET", "POST"])
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the invitation (and, signed out, remembers it for sign-up);
    POST accepts it. Nothing is granted on GET, so mail scanners that follow
    links cannot use the invitation up."""
    invitation = services.find_invitation(token)
    if invitation is None:
        return _refused(request, "invalid", None)
    try:
        services.check_usable(invitation)
    except services.InvitationUnusable as refusal:
        return _refused(request, refusal.reason, invitation)
    user = request.user
    if not user.is_authenticated:
        if request.method == "POST":
            login = reverse("account_login")
            return redirect(f"{login}?{urlencode({'next': request.path})}")
        session_invitations.remember(request, invitation)
        return render(
            request,
            "programs/invitation.html",
            {"invitation": invitation, "program": invitation.program},
        )
    if not services.has_verified_address(user, invitation.email):
        return _refused(request, "wrong_account", invitation)
    if request.method == "POST":
        try:
            services.accept_invitation(invitation, user=user)
        except services.InvitationUnusable as refusal:
            return _refused(request, refusal.reason, invitation)
        session_invitations.forget(request)
        request.session["programs_nav"] = True
        messages.success(
            request,
            _("Welcome to “%(program)s”.") % {"program": invitation.program.name},
        )
        return redirect(invitation.program)
    return render(
        request,
        "programs/invitation.html",
        {
            "invitation": invitation,
            "program": invitation.program,
            "already_member": manages(user, invitation.program)
            or invitation.program.memberships.filter(user=user).exists(),
        },
    )
