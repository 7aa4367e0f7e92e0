"""Business plan pages: the live editor (readable without JavaScript), the
preview renderer, frozen versions and their diff against the current text."""

from __future__ import annotations

import difflib

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hub.core.colors import presence_color
from hub.core.http import signed_in_user
from hub.core.rendering import render_markdown
from ideas import documents as store
from ideas.access import get_plan_idea_for_user
from ideas.models import PLAN_MAX_CHARS, PlanVersion
from ideas.plans import get_or_create_plan

#: The editor's user-facing strings, translated here and handed to
#: static/js/editor.js as JSON (keys match its STRINGS).
EDITOR_STRINGS = {
    "connecting": gettext_lazy("Connecting…"),
    "connected": gettext_lazy("Connected"),
    "reconnecting": gettext_lazy("Reconnecting…"),
    "offline": gettext_lazy(
        "Offline: your changes are kept and sent when you reconnect."
    ),
    "forbidden": gettext_lazy("You cannot open this plan"),
    "closed": gettext_lazy(
        "The live document was closed. Reload the page to try again."
    ),
    "tooLarge": gettext_lazy(
        "That change would make the plan too long, so it was not saved. Reload the page."
    ),
    "presence": gettext_lazy("In this document"),
    "you": gettext_lazy("(you)"),
    "editorHeading": gettext_lazy("Edit"),
    "editorLabel": gettext_lazy("Business plan (Markdown)"),
    "readOnlyNote": gettext_lazy(
        "You can read this plan; only the team's editors can change it."
    ),
    "editorHelp": gettext_lazy(
        "Markdown. Tab moves to the next control; Ctrl+Z undoes."
    ),
    "previewHeading": gettext_lazy("Preview"),
    "previewFailed": gettext_lazy("The preview could not be updated."),
}


@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    idea = get_plan_idea_for_user(request.user, pk)
    plan = get_or_create_plan(idea)
    context = {
        "idea": idea,
        "plan": plan,
        "rendered": render_markdown(plan.text, heading_base=2),
        "can_edit": request.user.has_perm("ideas.edit_plan", idea),
        "versions": list(
            plan.versions.select_related("stage_change").order_by("-number")
        ),
        "ws_path": f"/ws/docs/{plan.pk}/",
        # Only the team, staff and assigned reviewers read a plan: signed in.
        "user_color": presence_color(signed_in_user(request).pk),
        "editor_strings": {key: str(value) for key, value in EDITOR_STRINGS.items()},
    }
    return render(request, "ideas/plan.html", context)


@require_POST
def plan_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Render Markdown for the editor's live preview, with the one renderer."""
    get_plan_idea_for_user(request.user, pk)
    text = request.POST.get("text", "")
    if len(text) > PLAN_MAX_CHARS:
        return HttpResponse(
            _("The plan is too long to preview."), status=413, content_type="text/plain"
        )
    # The preview sits under the editor's h2 "Preview".
    return HttpResponse(render_markdown(text, heading_base=3), content_type="text/html")


@require_GET
def plan_versions(request: HttpRequest, pk: int) -> HttpResponse:
    idea = get_plan_idea_for_user(request.user, pk)
    plan = get_or_create_plan(idea)
    versions = plan.versions.select_related(
        "stage_change", "stage_change__actor"
    ).order_by("-number")
    return render(
        request, "ideas/plan_versions.html", {"idea": idea, "versions": versions}
    )


def diff_rows(old: str, new: str) -> list[tuple[str, str]]:
    """(kind, line) rows of a line diff: kind is "same", "removed" or "added";
    "gap" rows stand for unchanged stretches left out."""
    rows: list[tuple[str, str]] = []
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(2):
        if rows:
            rows.append(("gap", ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows += [("same", line) for line in old_lines[i1:i2]]
            if tag in ("replace", "delete"):
                rows += [("removed", line) for line in old_lines[i1:i2]]
            if tag in ("replace", "insert"):
                rows += [("added", line) for line in new_lines[j1:j2]]

    return rows


@require_GET
def plan_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    idea = get_plan_idea_for_user(request.user, pk)
    plan = get_or_create_plan(idea)
    version = get_object_or_404(
        PlanVersion.objects.select_related("stage_change"), plan=plan, number=number
    )
    current = store.load_text(plan.pk)
    rows = diff_rows(version.text, current)
    context = {
        "idea": idea,
        "version": version,
        "rendered": render_markdown(version.text, heading_base=3),
        "rows": rows,
        "changed": any(kind in ("added", "removed") for kind, _line in rows),
        "added": sum(kind == "added" for kind, _line in rows),
        "removed": sum(kind == "removed" for kind, _line in rows),
    }
    return render(request, "ideas/plan_version.html", context)
