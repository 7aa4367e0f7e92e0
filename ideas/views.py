"""Pages for ideas: list, detail, create/edit, team, moves, comments, the board."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from taggit.models import TaggedItem

from hub.core.http import AuthedRequest
from hub.core.permissions import Forbidden, is_city_staff, require
from hub.core.reversing import pk_url
from ideas import hooks, services
from ideas.access import get_comment_for_user, get_idea_for_user
from ideas.forms import CommentForm, IdeaFilterForm, IdeaForm, MoveForm, TeamMemberForm
from ideas.models import Idea, TeamMembership, TeamRole
from ideas.rules import team_role
from ideas.stages import BOARD_ORDER, Actor, Stage, Transition, moves_from


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _tag_match(**lookup: Any) -> Exists:
    return Exists(
        TaggedItem.objects.filter(
            object_id=OuterRef("pk"),
            content_type__app_label="ideas",
            content_type__model="idea",
            **{f"tag__{k}": v for k, v in lookup.items()},
        )
    )


def _member_of(user: Any) -> Q:
    # Q | Exists is a Q at run time; django-stubs type it as a plain Combinable.
    return cast(
        Q,
        Q(owner_id=user.pk)
        | Exists(TeamMembership.objects.filter(idea=OuterRef("pk"), user_id=user.pk)),
    )


def filter_ideas(qs: QuerySet[Idea], form: IdeaFilterForm, user: Any) -> QuerySet[Idea]:
    data = form.cleaned_data
    if q := data.get("q", "").strip():
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(pitch__icontains=q)
            | _tag_match(name__icontains=q)
        )
    if stage := data.get("stage"):
        qs = qs.filter(stage=stage)
    if tag := data.get("tag", "").strip():
        qs = qs.filter(_tag_match(name__iexact=tag))
    if data.get("mine") and user.is_authenticated:
        qs = qs.filter(_member_of(user))
    return qs


@require_GET
def idea_list(request: HttpRequest) -> HttpResponse:
    form = IdeaFilterForm(request.GET or None)
    qs: QuerySet[Idea] = Idea.objects.visible_to(request.user).for_listing()
    if form.is_bound and form.is_valid():
        qs = filter_ideas(qs, form, request.user)
    elif form.is_bound:
        qs = qs.none()
    page = Paginator(qs, settings.IDEAS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "ideas/_results.html" if is_htmx(request) else "ideas/list.html"
    return render(request, template, context)


@login_required
@require_GET
def idea_mine(request: AuthedRequest) -> HttpResponse:
    qs = (
        Idea.objects.filter(_member_of(request.user))
        .for_listing()
        .order_by("-updated_at")
    )
    page = Paginator(qs, settings.IDEAS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "ideas/mine.html", {"page": page, "query": ""})


@login_required
@require_http_methods(["GET", "POST"])
def idea_create(request: AuthedRequest) -> HttpResponse:
    form = IdeaForm(
        request.POST or None,
        user=request.user,
        initial={
            "challenge": request.GET.get("challenge"),
            # From a program's space: in that program, for its members.
            **(
                {"program": request.GET["program"], "visibility": "program"}
                if request.GET.get("program")
                else {}
            ),
        },
    )
    if request.method == "POST" and form.is_valid():
        idea = services.create_idea(
            owner=request.user, fields=form.cleaned_data, tags=form.cleaned_data["tags"]
        )
        messages.success(request, _("Your idea is saved as a draft."))
        return redirect(idea)
    return render(request, "ideas/form.html", {"form": form, "idea": None})


@login_required
@require_http_methods(["GET", "POST"])
def idea_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    idea = get_idea_for_user(request.user, pk)
    require(request.user, "ideas.edit_idea", idea)
    if request.method == "POST":
        form = IdeaForm(
            request.POST, instance=Idea.objects.get(pk=idea.pk), user=request.user
        )
        if form.is_valid():
            services.update_idea(
                idea,
                actor=request.user,
                fields=form.cleaned_data,
                tags=form.cleaned_data["tags"],
            )
            messages.success(request, _("Your changes are saved."))
            return redirect(idea)
    else:
        form = IdeaForm(
            instance=idea, initial={"tags": list(idea.tags.all())}, user=request.user
        )
    return render(request, "ideas/form.html", {"form": form, "idea": idea})


def allowed_moves(idea: Idea, user: Any) -> list[Transition]:
    """The moves ``user`` may make from the idea's current stage."""
    if not user.is_authenticated:
        return []
    role = team_role(user, idea)
    allowed = {
        Actor.STAFF: is_city_staff(user),
        Actor.OWNER: role == "owner",
        Actor.TEAM: role in ("owner", TeamRole.EDITOR),
    }
    return [t for t in moves_from(idea.stage) if allowed[t.actor]]


@require_GET
def idea_detail(request: HttpRequest, pk: int) -> HttpResponse:
    idea = get_idea_for_user(request.user, pk)
    user = request.user
    comments = list(idea.comments.select_related("author", "removed_by"))
    comment: Any  # per-request flags for the template are set on each comment
    for comment in comments:
        comment.can_edit = user.has_perm("ideas.edit_comment", comment)
        comment.can_remove = not comment.is_removed and user.has_perm(
            "ideas.remove_comment", comment
        )
    moves = allowed_moves(idea, user)
    context = {
        "idea": idea,
        "role": team_role(user, idea),
        "tags": list(idea.tags.all()),
        "memberships": list(idea.memberships.select_related("user")),
        "history": list(idea.stage_changes.select_related("actor")),
        "comments": comments,
        "moves": moves,
        "move_form": MoveForm(initial={"from_stage": idea.stage}) if moves else None,
        "can_edit": user.has_perm("ideas.edit_idea", idea),
        "can_manage_team": user.has_perm("ideas.manage_team", idea),
        "can_comment": user.has_perm("ideas.comment_idea", idea),
        "can_read_plan": user.has_perm("ideas.read_plan", idea),
        "comment_form": CommentForm(),
        "team_form": TeamMemberForm(),
        "venture": getattr(idea, "venture", None)
        if idea.stage == Stage.LAUNCHED
        else None,
        # Panels the apps above register (challenges: "review_panel").
        **hooks.idea_panels(idea, user),
    }
    return render(request, "ideas/detail.html", context)


@login_required
@require_POST
def idea_move(request: AuthedRequest, pk: int) -> HttpResponse:
    idea = get_idea_for_user(request.user, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(
            request, _("The move was not made: %(errors)s") % {"errors": errors}
        )
    else:
        try:
            services.move_idea(
                idea,
                form.cleaned_data["to_stage"],
                actor=request.user,
                note=form.cleaned_data["note"],
                expected_stage=form.cleaned_data["from_stage"],
            )
        except services.ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("“%(title)s” moved to %(stage)s.")
                % {"title": idea.title, "stage": Stage(idea.stage).label},
            )
    return redirect(_safe_next(request, idea.get_absolute_url()))


@login_required
@require_POST
def team_add(request: AuthedRequest, pk: int) -> HttpResponse:
    idea = get_idea_for_user(request.user, pk)
    require(request.user, "ideas.manage_team", idea)
    form = TeamMemberForm(request.POST)
    if form.is_valid():
        try:
            membership = services.add_team_member(
                idea, actor=request.user, **form.cleaned_data
            )
        except services.ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("%(name)s joined the team.") % {"name": membership.user}
            )
    else:
        messages.error(request, _("Enter the e-mail address of a registered person."))
    return redirect(reverse("ideas-detail", args=[idea.pk]) + "#team")


@login_required
@require_POST
def team_remove(request: AuthedRequest, pk: int, member_pk: int) -> HttpResponse:
    idea = get_idea_for_user(request.user, pk)
    membership = get_object_or_404(
        TeamMembership.objects.select_related("user", "idea"), pk=member_pk, idea=idea
    )
    try:
        services.remove_team_member(membership, actor=request.user)
    except services.ServiceError as error:
        raise Forbidden(str(error)) from error
    if membership.user_id == request.user.pk:
        messages.success(request, _("You left the team."))
        return redirect("ideas-mine")
    messages.success(request, _("%(name)s left the team.") % {"name": membership.user})
    return redirect(reverse("ideas-detail", args=[idea.pk]) + "#team")


@login_required
@require_POST
def comment_add(request: AuthedRequest, pk: int) -> HttpResponse:
    idea = get_idea_for_user(request.user, pk)
    require(request.user, "ideas.comment_idea", idea)
    form = CommentForm(request.POST)
    if form.is_valid():
        comment = services.add_comment(
            idea, author=request.user, body=form.cleaned_data["body"]
        )
        return redirect(
            reverse("ideas-detail", args=[idea.pk]) + f"#comment-{comment.pk}"
        )
    messages.error(request, " ".join(str(e) for e in form.errors.get("body", [])))
    return redirect(reverse("ideas-detail", args=[idea.pk]) + "#comments")


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    comment = get_comment_for_user(request.user, pk)
    require(request.user, "ideas.edit_comment", comment)
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_comment(
                comment, actor=request.user, body=form.cleaned_data["body"]
            )
        except services.ServiceError as error:
            messages.error(request, str(error))
        detail = reverse("ideas-detail", args=[comment.idea_id])
        return redirect(f"{detail}#comment-{comment.pk}")
    return render(
        request, "ideas/comment_edit.html", {"form": form, "comment": comment}
    )


@login_required
@require_POST
def comment_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    comment = get_comment_for_user(request.user, pk)
    require(request.user, "ideas.remove_comment", comment)
    services.remove_comment(comment, actor=request.user)
    messages.success(request, _("The comment was removed."))
    return redirect(reverse("ideas-detail", args=[comment.idea_id]) + "#comments")


def _board_cards(visible: QuerySet[Idea], per_column: int) -> list[Idea]:
    """The first ``per_column`` visible ideas of each board stage, oldest
    stage change first.

    Where the database can LIMIT each part of a UNION, each column is a short
    range scan of the (stage, stage_changed_at, id) index; elsewhere (SQLite) a
    ROW_NUMBER() over all visible ideas gives the same rows.
    """
    ordered = (
        visible.select_related("owner")
        # What a card shows; not the long texts.
        .only("title", "stage", "stage_changed_at", "owner__display_name")
        .order_by("stage_changed_at", "pk")
    )
    if connections[ordered.db].features.supports_slicing_ordering_in_compound:
        first, *rest = [ordered.filter(stage=s)[:per_column] for s in BOARD_ORDER]
        return list(first.union(*rest, all=True))
    return list(
        ordered.annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("stage"),
                order_by=[F("stage_changed_at").asc(), F("pk").asc()],
            )
        ).filter(rank__lte=per_column)
    )


@login_required
@require_GET
def pipeline_board(request: AuthedRequest) -> HttpResponse:
    """Staff board: a column per stage, oldest-waiting cards first."""
    require(
        request.user,
        "ideas.run_pipeline",
        None,
        _("The pipeline board is for the city's staff."),
    )
    visible = Idea.objects.visible_to(request.user)
    counts = dict(visible.order_by().values_list("stage").annotate(n=Count("pk")))
    cards: dict[str, list[Idea]] = {stage: [] for stage in BOARD_ORDER}
    for idea in _board_cards(visible, settings.BOARD_CARDS_PER_COLUMN):
        cards[idea.stage].append(idea)
    # Per card only what differs between cards: the URLs come from one
    # reversal each and the day labels from one translation per distinct
    # number; the move choices are rendered once per column.
    detail_url = pk_url("ideas-detail")
    move_url = pk_url("ideas-move")
    days_labels: dict[int, str] = {}
    now = timezone.now()
    columns = []
    card: Any  # the template's card fields are set on each idea
    for stage in BOARD_ORDER:
        moves = [t for t in moves_from(stage) if t.actor == Actor.STAFF]
        for card in cards[stage]:
            card.days_in_stage = days = (now - card.stage_changed_at).days
            if days not in days_labels:
                days_labels[days] = ngettext(
                    "%(days)s day in stage", "%(days)s days in stage", days
                ) % {"days": localize(days)}
            card.days_label = days_labels[days]
            card.detail_url = detail_url(card.pk)
            card.move_url = move_url(card.pk)

        columns.append(
            {
                "stage": stage,
                "count": counts.get(stage, 0),
                "cards": cards[stage],
                "moves": moves,
                "move_options": format_html_join(
                    "",
                    '<option value="{}">{}</option>',
                    ((t.target, t.label) for t in moves),
                ),
                "more": counts.get(stage, 0) - len(cards[stage]),
            }
        )
    return render(request, "ideas/board.html", {"columns": columns})
