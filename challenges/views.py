"""Pages for challenges and reviews: the public (or members-only) challenge
pages, staff's challenge forms, ranking and review summaries, and the
reviewer's own list and review form."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from challenges import services
from challenges.access import (
    active_assignments,
    get_assignment_for_user,
    get_challenge_for_user,
)
from challenges.forms import (
    AssignForm,
    ChallengeForm,
    ConflictForm,
    CriterionFormSet,
    ReviewForm,
    ScaleForm,
    criterion_initial,
)
from challenges.models import Challenge, ReviewAssignment, Rubric, Score, rubric_for
from challenges.queries import criterion_stats, ranking
from hub.core.http import AuthedRequest
from hub.core.permissions import is_city_staff, require_staff
from hub.core.reversing import pk_url
from ideas.access import get_idea_for_user
from ideas.models import Idea
from ideas.stages import Stage

CHALLENGES_PER_PAGE = 30
REVIEWS_PER_PAGE = 50


@require_GET
def challenge_list(request: HttpRequest) -> HttpResponse:
    qs = Challenge.objects.visible_to(request.user).select_related("program")
    page = Paginator(qs, CHALLENGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "challenges/list.html",
        {
            "page": page,
            "query": "",
            "can_manage": is_city_staff(request.user),
        },
    )


@require_GET
def challenge_detail(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = get_challenge_for_user(request.user, slug)
    rubric = challenge.rubric or Rubric.default()
    answers = (
        Idea.objects.visible_to(request.user)
        .filter(challenge=challenge)
        .exclude(stage=Stage.DRAFT)
        .for_listing()
        .order_by("-stage_changed_at")[:50]
    )
    return render(
        request,
        "challenges/detail.html",
        {
            "challenge": challenge,
            "criteria": list(rubric.criteria.all()),
            "rubric": rubric,
            "datasets": list(challenge.datasets.all()),
            "answers": list(answers),
            "can_manage": is_city_staff(request.user),
            "can_answer": request.user.is_authenticated and challenge.is_open,
        },
    )


def _challenge_forms(
    request: HttpRequest, challenge: Challenge | None
) -> tuple[ChallengeForm, ScaleForm, Any]:
    rubric = challenge.rubric if challenge and challenge.rubric_id else None
    data = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {}
    if challenge is not None:
        initial["datasets"] = list(challenge.datasets.all())
    form = ChallengeForm(data, instance=challenge, initial=initial)
    scale = ScaleForm(
        data,
        initial={
            "scale_min": rubric.scale_min if rubric else 0,
            "scale_max": rubric.scale_max if rubric else 5,
        },
    )
    criteria = CriterionFormSet(
        data, initial=criterion_initial(rubric), prefix="criteria"
    )
    return form, scale, criteria


def _save_challenge(
    request: HttpRequest,
    challenge: Challenge | None,
    form: Any,
    scale: Any,
    criteria: Any,
) -> Challenge | None:
    fields = {k: form.cleaned_data[k] for k in services.CHALLENGE_FIELDS}
    kwargs = {
        "actor": request.user,
        "fields": fields,
        "datasets": form.cleaned_data["datasets"],
        "scale_min": scale.cleaned_data["scale_min"],
        "scale_max": scale.cleaned_data["scale_max"],
        "criteria": criteria.specs(),
    }
    try:
        if challenge is None:
            return services.create_challenge(**kwargs)
        services.update_challenge(Challenge.objects.get(pk=challenge.pk), **kwargs)
        return challenge
    except services.ReviewError as error:
        form.add_error(None, str(error))
        return None


@login_required
@require_http_methods(["GET", "POST"])
def challenge_create(request: AuthedRequest) -> HttpResponse:
    require_staff(request.user)
    form, scale, criteria = _challenge_forms(request, None)
    if request.method == "POST" and all(
        [form.is_valid(), scale.is_valid(), criteria.is_valid()]
    ):
        saved = _save_challenge(request, None, form, scale, criteria)
        if saved is not None:
            messages.success(request, _("The challenge is posted."))
            return redirect(saved)
    return render(
        request,
        "challenges/form.html",
        {"form": form, "scale": scale, "criteria": criteria, "challenge": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def challenge_edit(request: AuthedRequest, slug: str) -> HttpResponse:
    require_staff(request.user)
    challenge = get_challenge_for_user(request.user, slug)
    form, scale, criteria = _challenge_forms(request, challenge)
    valid = request.method == "POST" and all(
        [form.is_valid(), scale.is_valid(), criteria.is_valid()]
    )
    if valid and _save_challenge(request, challenge, form, scale, criteria):
        messages.success(request, _("Your changes are saved."))
        return redirect(Challenge.objects.get(pk=challenge.pk))
    return render(
        request,
        "challenges/form.html",
        {"form": form, "scale": scale, "criteria": criteria, "challenge": challenge},
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake_rubric(request: AuthedRequest) -> HttpResponse:
    """Staff edit the rubric that scores unsolicited proposals."""
    require_staff(request.user)
    rubric = Rubric.default()
    data = request.POST if request.method == "POST" else None
    scale = ScaleForm(
        data, initial={"scale_min": rubric.scale_min, "scale_max": rubric.scale_max}
    )
    criteria = CriterionFormSet(
        data, initial=criterion_initial(rubric), prefix="criteria"
    )
    if request.method == "POST" and scale.is_valid() and criteria.is_valid():
        try:
            services.save_rubric(
                rubric,
                actor=request.user,
                scale_min=scale.cleaned_data["scale_min"],
                scale_max=scale.cleaned_data["scale_max"],
                criteria=criteria.specs(),
            )
        except services.ReviewError as error:
            scale.add_error(None, str(error))
        else:
            messages.success(request, _("The intake rubric is saved."))
            return redirect("challenges-intake-rubric")
    return render(
        request,
        "challenges/intake_rubric.html",
        {"rubric": rubric, "scale": scale, "criteria": criteria},
    )


@login_required
@require_GET
def challenge_ranking(request: AuthedRequest, slug: str) -> HttpResponse:
    require_staff(request.user)
    challenge = get_challenge_for_user(request.user, slug)
    reviewers = (
        services.eligible_reviewers(challenge.program_id)
        .only("display_name", "email")  # what an option shows
        .order_by("display_name", "pk")
    )
    context = ranking(challenge)
    _add_ranking_display(context["ideas"])
    return render(
        request,
        "challenges/ranking.html",
        {
            "challenge": challenge,
            **context,
            "assign_form": AssignForm(reviewers=reviewers),
        },
    )


def _add_ranking_display(ideas: list[Idea]) -> None:
    """Each row's link and formatted numbers, for a table of every idea × every
    criterion: ``floatformat`` (Decimal arithmetic, then localisation) once per
    distinct number, each stage label translated once, and one URL reversal for
    the whole table."""
    formatted = functools.cache(floatformat)
    link = pk_url("reviews-idea")
    # get_stage_display() hashes every (lazy) stage label on each call.
    stage_labels = {stage.value: str(stage.label) for stage in Stage}
    for idea in ideas:
        # Row fields for the template, set on the annotated instances it lists.
        row: Any = idea
        row.reviews_url = link(idea.pk)
        row.stage_label = stage_labels.get(idea.stage, idea.stage)
        if row.total is not None:
            row.total_text = formatted(row.total, 2)
        for s in row.criterion_stats:
            if s.get("count"):
                s["mean_text"] = formatted(s["mean"], 1)
                s["spread_text"] = formatted(s["spread"], 1)


@login_required
@require_POST
def challenge_assign(request: AuthedRequest, slug: str) -> HttpResponse:
    require_staff(request.user)
    challenge = get_challenge_for_user(request.user, slug)
    form = AssignForm(
        request.POST, reviewers=services.eligible_reviewers(challenge.program_id)
    )
    if not form.is_valid():
        messages.error(request, _("Choose a reviewer from the list."))
    else:
        reviewer = form.cleaned_data["reviewer"]
        try:
            made = services.assign_challenge_reviewers(
                challenge, reviewer, actor=request.user
            )
        except services.ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(name)s was assigned to %(count)d ideas.")
                % {"name": reviewer, "count": len(made)},
            )
    return redirect("challenges-ranking", slug=challenge.slug)


def _assignments_with_scores(idea: Idea, *, submitted_only: bool) -> list[Any]:
    qs = active_assignments().filter(idea=idea).select_related("reviewer")
    if submitted_only:
        qs = qs.filter(submitted_at__isnull=False)
    return list(
        qs.prefetch_related(
            Prefetch("scores", queryset=Score.objects.select_related("criterion"))
        )
    )


@login_required
@require_GET
def idea_reviews(request: AuthedRequest, pk: int) -> HttpResponse:
    """Staff's view of one idea's reviews: every score with its reviewer,
    per-criterion statistics, conflicts declared, and assigning more."""
    idea = get_idea_for_user(request.user, pk)
    require_staff(request.user)
    program_id = idea.challenge.program_id if idea.challenge else None
    taken = idea.review_assignments.values("reviewer_id")
    reviewers = (
        services.eligible_reviewers(program_id)
        .exclude(pk__in=taken)
        .exclude(pk=idea.owner_id)
        .exclude(memberships__idea=idea)
        .order_by("display_name", "pk")
    )
    return render(
        request,
        "challenges/idea_reviews.html",
        {
            "idea": idea,
            **criterion_stats(idea),
            "assignments": _assignments_with_scores(idea, submitted_only=False),
            "conflicts": list(
                idea.review_assignments.filter(
                    conflict_declared_at__isnull=False
                ).select_related("reviewer")
            ),
            "assign_form": AssignForm(reviewers=reviewers),
        },
    )


@login_required
@require_POST
def idea_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    idea = get_idea_for_user(request.user, pk)
    require_staff(request.user)
    program_id = idea.challenge.program_id if idea.challenge else None
    form = AssignForm(request.POST, reviewers=services.eligible_reviewers(program_id))
    if not form.is_valid():
        messages.error(request, _("Choose a reviewer from the list."))
    else:
        try:
            services.assign_reviewer(
                idea, form.cleaned_data["reviewer"], actor=request.user
            )
        except services.ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(name)s is asked to review this idea.")
                % {"name": form.cleaned_data["reviewer"]},
            )
    return redirect("reviews-idea", pk=idea.pk)


@login_required
@require_GET
def my_reviews(request: AuthedRequest) -> HttpResponse:
    """The reviewer's own assignments, open ones first."""
    qs = (
        active_assignments()
        .filter(reviewer=request.user)
        .select_related("idea", "idea__challenge")
        .order_by("submitted_at", "-assigned_at", "-pk")
    )
    page = Paginator(qs, REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "challenges/my_reviews.html", {"page": page, "query": ""})


def _review_context(
    assignment: ReviewAssignment, form: ReviewForm, conflict_form: ConflictForm
) -> dict[str, Any]:
    idea = assignment.idea
    context: dict[str, Any] = {
        "assignment": assignment,
        "idea": idea,
        "form": form,
        "conflict_form": conflict_form,
        "rubric": rubric_for(idea),
        "others": [],
    }
    # Blind until submitted: other reviewers' scores only after one's own.
    if assignment.submitted_at is not None:
        context["others"] = [
            a
            for a in _assignments_with_scores(idea, submitted_only=True)
            if a.pk != assignment.pk
        ]
        context["mine"] = list(assignment.scores.select_related("criterion"))
    return context


@login_required
@require_http_methods(["GET", "POST"])
def review(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk)
    if request.method == "POST" and assignment.submitted_at is not None:
        messages.error(request, _("This review is already submitted; it is final."))
        return redirect(assignment)
    rubric = rubric_for(assignment.idea)
    criteria = list(rubric.criteria.all())
    submitting = "submit" in request.POST
    initial: dict[str, Any] = {}
    for score in assignment.scores.all():
        initial[f"score_{score.criterion_id}"] = score.value
        initial[f"comment_{score.criterion_id}"] = score.comment
    form = ReviewForm(
        request.POST or None,
        initial=initial,
        criteria=criteria,
        scale=(rubric.scale_min, rubric.scale_max),
        submitting=submitting,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if submitting:
                services.submit_review(
                    assignment, actor=request.user, scores=form.scores()
                )
                messages.success(request, _("Your review is submitted. Thank you."))
            else:
                services.save_draft_scores(
                    assignment, actor=request.user, scores=form.scores()
                )
                messages.success(request, _("Your draft is saved."))
        except services.ReviewError as error:
            form.add_error(None, str(error))
        else:
            return redirect(assignment)
    return render(
        request,
        "challenges/review.html",
        _review_context(assignment, form, ConflictForm()),
    )


@login_required
@require_POST
def review_conflict(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            services.declare_conflict(
                assignment, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except services.ReviewError as error:
            messages.error(request, str(error))
            return redirect(assignment)
        messages.success(
            request,
            _("Thank you. You no longer review “%(title)s”.")
            % {"title": assignment.idea.title},
        )
        return redirect("reviews-mine")
    rubric = rubric_for(assignment.idea)
    review_form = ReviewForm(
        initial={f"score_{s.criterion_id}": s.value for s in assignment.scores.all()},
        criteria=list(rubric.criteria.all()),
        scale=(rubric.scale_min, rubric.scale_max),
    )
    return render(
        request,
        "challenges/review.html",
        _review_context(assignment, review_form, form),
        status=200,
    )
