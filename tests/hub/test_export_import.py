"""The full export and re-import (the city's exit strategy).

The round trip: seed_demo plus a few records it does not make, export_all,
empty the database (flush, and content types numbered differently, as on
another instance), import_all, export_all again. Both zips hold the same
bytes file for file; the manifest differs only in its export time.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pycrdt import Doc, Text
from rest_framework.authtoken.models import Token

from catalog.models import Dataset
from challenges.models import Challenge, ReminderSent, Rubric
from demo.management.commands.seed_demo import DEMO_PASSWORD
from hub.core import audit
from hub.core.models import AuditEvent, Notification, NotificationKind, User
from hub.export import ExportError
from hub.export.models import (
    EXCLUDED,
    PROJECT_APPS,
    export_models,
    label,
    unclassified_models,
)
from hub.export.services import DOWNLOAD_ACTION
from ideas import documents as store
from ideas.models import BusinessPlan, DocSnapshot, DocUpdate, Idea, PlanVersion
from ideas.plans import freeze_version
from programs.models import Invitation, Program
from programs.services import hash_token
from ventures.models import DataRequest, ExchangeRate, ExternalReference, Venture

pytestmark = pytest.mark.django_db

FORMULA_TITLE = '=HYPERLINK("http://evil.example","click")'
TOTP_SECRET = "JBSWY3DPEHPK3PXPTOTPSECRET"
EDITED_PLAN_LINE = "\n\nEdited after the snapshot: the live log has rows too.\n"
# Tables the rich fixture fills (the round trip compares all of them).
FILLED = {
    "hub.user", "hub.user_groups", "hub.user_user_permissions", "hub.auditevent",
    "hub.notification", "account.emailaddress", "auth.group",
    "auth.group_permissions", "admin.logentry", "taggit.tag", "taggit.taggeditem",
    "ideas.idea", "ideas.teammembership", "ideas.stagechange", "ideas.comment",
    "ideas.businessplan", "ideas.planversion", "ideas.docsnapshot",
    "ideas.docupdate", "ventures.venture", "ventures.venturemember",
    "catalog.catalogsource", "catalog.dataset", "catalog.distribution",
    "ventures.datasetuse", "ventures.datarequest", "ventures.fundingevent",
    "ventures.impactsnapshot", "ventures.exchangerate", "ventures.externalreference",
    "programs.program", "programs.program_managers", "programs.cohort",
    "programs.programmembership", "programs.invitation", "challenges.rubric",
    "challenges.criterion", "challenges.challenge", "challenges.challenge_datasets",
    "challenges.reviewassignment", "challenges.score", "challenges.remindersent",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """_empty_database renumbers content types; the rollback after each test
    restores the rows, and this the ids ContentType caches in memory."""
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


def _export(path: Path, *extra: str) -> Path:
    call_command("export_all", str(path), *extra, stdout=StringIO())
    return path


def _import(path: Path) -> str:
    out = StringIO()
    call_command("import_all", str(path), stdout=out)
    return out.getvalue()


def _files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _without_time(manifest: bytes) -> bytes:
    """The manifest minus exactly its ``exported_at`` line."""
    text, n = re.subn(rb'\n  "exported_at": "[^"]+",', b"", manifest)
    assert n == 1
    return text


def _manifest(path: Path) -> dict[str, Any]:
    return json.loads(_files(path)["manifest.json"])


def _plan_edit(plan: BusinessPlan) -> None:
    """A live edit after the plan's snapshot, stored as a log row."""
    doc = store.load_doc(plan.pk)
    before = doc.get_state()
    text = doc.get(store.TEXT_NAME, type=Text)
    text.insert(len(str(text)), EDITED_PLAN_LINE)
    store.append_updates(plan.pk, [doc.get_update(before)])


def _extras() -> dict[str, Any]:
    """Records seed_demo does not make, or that the test looks up again."""
    staff = User.objects.get(email="staff@demo.clusterhub.test")
    amara = User.objects.get(email="amara@demo.clusterhub.test")
    idea = Idea.objects.filter(owner=amara).order_by("pk").first()
    idea.title = FORMULA_TITLE
    idea.save(update_fields=["title"])
    plan = BusinessPlan.objects.order_by("pk").first()
    _plan_edit(plan)
    freeze_version(plan.idea, None)
    venture = Venture.objects.order_by("pk").first()
    program = Program.objects.order_by("pk").first()
    challenge = Challenge.objects.order_by("pk").first()
    Notification.objects.create(
        recipient=amara,
        actor=staff,
        kind=NotificationKind.COMMENT,
        text="Dana commented on your idea.",
        url=idea.get_absolute_url(),
    )
    audit.record("tests.export", actor=staff, target=venture, note="ünïcode ✓")
    DataRequest.objects.create(
        venture=venture,
        requested_by=amara,
        title="Curb occupancy sensors",
        description="Every 5 minutes, please.",
    )
    ExchangeRate.objects.create(
        currency="GBP", base_currency=settings.BASE_CURRENCY, rate=Decimal("1.270000"),
        valid_on=date(2024, 1, 1), entered_by=staff,
    )  # fmt: skip
    Invitation.objects.create(
        program=program,
        email="newcomer@example.org",
        token_hash=hash_token("export-test-token"),
        expires_at=timezone.now() + timedelta(days=3),
        invited_by=staff,
    )
    ExternalReference.objects.create(venture=venture, source="od500", key="acme")
    ReminderSent.objects.create(challenge=challenge, sent_on=date(2025, 3, 1))
    challenge.datasets.add(Dataset.objects.order_by("pk").first())
    LogEntry.objects.log_actions(
        staff.pk, [venture], ADDITION, change_message="Added in the admin."
    )
    amara.user_permissions.add(Permission.objects.get(codename="view_venture"))
    # Secrets that must not leave the instance.
    Authenticator.objects.create(
        user=amara,
        type=Authenticator.Type.TOTP,
        data={"secret": TOTP_SECRET},
    )
    token = Token.objects.create(user=amara)
    return {"plan": plan, "token": token.key, "amara": amara}


def _empty_database() -> None:
    """What a fresh instance looks like: no rows, and content types and
    permissions with other ids than the exporting instance had."""
    # PostgreSQL truncates only once the test's deferred foreign-key checks
    # have run.
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.all().delete()
    for n in range(7):
        ContentType.objects.create(app_label="padding", model=f"m{n}")
    ContentType.objects.clear_cache()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    ContentType.objects.filter(app_label="padding").delete()


@pytest.fixture
def round_trip(tmp_path) -> dict[str, Any]:
    """seed_demo + extras → first.zip → empty database → import → second.zip."""
    call_command("seed_demo", stdout=StringIO())
    extras = _extras()
    plan = extras["plan"]
    before = {
        "text": store.load_text(plan.pk),
        "state": store.load_doc(plan.pk).get_update(),
        "log_rows": DocUpdate.objects.filter(plan=plan).count(),
        "ct_ids": dict(ContentType.objects.values_list("model", "pk")),
        "hashes": dict(User.objects.values_list("email", "password")),
        "max_idea": Idea.objects.order_by("-pk").values_list("pk", flat=True)[0],
    }
    first = _export(tmp_path / "first.zip")
    _empty_database()
    assert not User.objects.exists()
    assert dict(ContentType.objects.values_list("model", "pk")) != before["ct_ids"]
    output = _import(first)
    second = _export(tmp_path / "second.zip")
    return {**extras, "before": before, "first": first, "second": second, "out": output}


def test_export_import_export_gives_identical_files(round_trip):
    first, second = _files(round_trip["first"]), _files(round_trip["second"])

    assert sorted(first) == sorted(second)
    for name in first:
        if name == "manifest.json":
            assert _without_time(first[name]) == _without_time(second[name])
        else:
            assert first[name] == second[name], name
    manifest = _manifest(round_trip["first"])
    rows = {t["model"]: t["rows"] for t in manifest["tables"]}
    assert {name for name, n in rows.items() if n} >= FILLED
    assert rows["hub.user"] == 12
    assert rows["ideas.idea"] == 40
    # Every file's checksum is in the manifest, and right.
    assert set(manifest["files"]) == set(first) - {"manifest.json"}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(first[name]).hexdigest() == digest
    assert "Imported" in round_trip["out"]


def test_the_manifest_names_schema_version_and_counts(round_trip):
    manifest = _manifest(round_trip["first"])

    assert manifest["format"] == "clusterhub-export"
    assert manifest["clusterhub_version"] == "0.1.0"
    assert manifest["schema"]["challenges"] == "0004_datasets_from_catalog"
    assert set(manifest["schema"]) >= {"hub", "ideas", "ventures", "catalog", "auth"}
    assert manifest["plans"] == BusinessPlan.objects.count() > 0
    assert sorted(manifest["excluded"]) == sorted(EXCLUDED)
    assert datetime.fromisoformat(manifest["exported_at"]).tzinfo is not None
    counts = {t["model"]: t["rows"] for t in manifest["tables"]}
    for model in export_models():
        assert counts[label(model)] == model._base_manager.count()


def test_the_plans_crdt_state_is_restored_exactly(round_trip):
    plan, before = round_trip["plan"], round_trip["before"]

    assert before["log_rows"] >= 1  # the edit after the snapshot is a log row
    assert DocUpdate.objects.filter(plan=plan).count() == before["log_rows"]
    assert DocSnapshot.objects.filter(plan=plan).exists()
    assert store.load_text(plan.pk) == before["text"]
    assert before["text"].endswith(EDITED_PLAN_LINE)
    assert store.load_doc(plan.pk).get_update() == before["state"]
    # The zip's own copy: Markdown, and a Yjs update that rebuilds the text.
    files = _files(round_trip["first"])
    assert files[f"plans/{plan.idea_id}.md"].decode() == before["text"]
    doc = Doc()
    doc.apply_update(files[f"plans/{plan.idea_id}.ystate"])
    assert str(doc.get(store.TEXT_NAME, type=Text)) == before["text"]
    # The frozen version came along too.
    assert PlanVersion.objects.get(plan=plan).text == before["text"]


def test_restored_people_sign_in_with_their_passwords(round_trip):
    assert (
        dict(User.objects.values_list("email", "password"))
        == (round_trip["before"]["hashes"])
    )
    client = Client()
    response = client.post(
        reverse("account_login"),
        {"login": "amara@demo.clusterhub.test", "password": DEMO_PASSWORD},
    )

    assert response.status_code == 302
    assert client.get(reverse("hub-profile")).status_code == 200


def test_new_rows_after_an_import_get_fresh_ids(round_trip):
    owner = User.objects.get(email="ben@demo.clusterhub.test")

    idea = Idea.objects.create(owner=owner, title="After the move", pitch="New.")
    person = User.objects.create_user(email="new@example.org", display_name="New")

    assert idea.pk > round_trip["before"]["max_idea"]
    assert person.pk > 12
    assert AuditEvent.objects.create(action="tests.after").pk > 1


def test_secrets_stay_out_of_the_export(round_trip):
    files = _files(round_trip["first"])
    blob = b"".join(files.values())

    assert TOTP_SECRET.encode() not in blob
    assert round_trip["token"].encode() not in blob
    assert not any("authenticator" in n or "token" in n for n in files)
    assert not Authenticator.objects.exists()
    assert not Token.objects.exists()


def test_csv_tables_neutralize_formulas(round_trip):
    files = _files(round_trip["first"])
    ideas_csv = files["csv/ideas.csv"].decode("utf-8-sig")

    assert ideas_csv.splitlines()[0].startswith("id,title,")
    assert "'" + FORMULA_TITLE.replace('"', '""') in ideas_csv
    assert "\n" + FORMULA_TITLE not in ideas_csv
    for stem in ("ideas", "ventures", "datasets", "dataset_uses", "funding_events",
                 "impact_snapshots", "programs", "challenges", "reviews"):  # fmt: skip
        assert f"csv/{stem}.csv" in files


# --------------------------------------------------------------------------------------
# Small exports: chunking, refusals, the staff page
# --------------------------------------------------------------------------------------


@pytest.fixture
def small_hub(people, team_idea) -> Idea:
    idea = team_idea(title="Small hub idea", tags=["mobility"])
    audit.record("tests.small", actor=people["staff"], target=idea)
    return idea


def test_chunked_reads_write_the_same_files(small_hub, tmp_path):
    whole = _files(_export(tmp_path / "a.zip"))
    chunked = _files(_export(tmp_path / "b.zip", "--chunk-size", "2"))

    assert whole.keys() == chunked.keys()
    for name in whole:
        if name != "manifest.json":
            assert whole[name] == chunked[name]


def test_it_refuses_a_database_that_holds_data(small_hub, tmp_path):
    path = _export(tmp_path / "x.zip")
    before = Idea.objects.count()

    with pytest.raises(CommandError, match="already holds rows in .*hub.user: 7"):
        _import(path)
    assert Idea.objects.count() == before


def test_it_replaces_the_rows_migrate_creates(small_hub, tmp_path):
    """A freshly migrated database has the intake rubric; the import brings the
    exported one (same ids) instead of clashing with it."""
    path = _export(tmp_path / "x.zip")
    intake_pk = Rubric.objects.get(is_default=True).pk
    _empty_database()
    seed = importlib.import_module("challenges.migrations.0003_default_intake_rubric")
    seed.create_default(apps, None)
    assert Rubric.objects.filter(is_default=True).exists()

    _import(path)

    assert Idea.objects.get().title == "Small hub idea"
    assert Rubric.objects.get(is_default=True).pk == intake_pk


def _rezip(
    path: Path, target: Path, change: Callable[[dict[str, bytes]], None]
) -> Path:
    files = _files(path)
    change(files)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return target


def _set_manifest(files: dict[str, bytes], **changes: Any) -> None:
    manifest = json.loads(files["manifest.json"])
    manifest.update(changes)
    files["manifest.json"] = json.dumps(manifest).encode()


def _broken_owner(files: dict[str, bytes]) -> None:
    """An idea whose owner does not exist, with a matching checksum."""
    name = "data/ideas.idea.json"
    files[name] = re.sub(rb'"owner":\d+', b'"owner":999999', files[name])
    manifest = json.loads(files["manifest.json"])
    manifest["files"][name] = hashlib.sha256(files[name]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (None, "not a readable zip file"),
        (lambda f: f.pop("manifest.json"), "no manifest.json"),
        (lambda f: f.update({"manifest.json": b"{"}), "manifest.json cannot be read"),
        (lambda f: f.pop("data/hub.user.json"), "data/hub.user.json is missing"),
        (
            lambda f: f.update({"data/hub.user.json": b"[\n]\n"}),
            "data/hub.user.json is damaged",
        ),
        (
            lambda f: _set_manifest(f, schema={"ideas": "0001_initial"}),
            "another database schema",
        ),
        (lambda f: _set_manifest(f, format_version=99), "format version 99"),
        (_broken_owner, "database refused the data"),
    ],
    ids=[
        "not-a-zip",
        "no-manifest",
        "bad-manifest",
        "missing-file",
        "bad-checksum",
        "other-schema",
        "other-format",
        "broken-reference",
    ],  # fmt: skip
)
def test_a_bad_export_is_refused_and_writes_nothing(
    small_hub, tmp_path, damage, message
):
    good = _export(tmp_path / "good.zip")
    _empty_database()
    if damage is None:
        bad = tmp_path / "bad.zip"
        bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    else:
        bad = _rezip(good, tmp_path / "bad.zip", damage)

    with pytest.raises(CommandError, match=message):
        _import(bad)

    assert not User.objects.exists()
    assert not Idea.objects.exists()
    assert not AuditEvent.objects.exists()


def test_every_table_is_exported_or_excluded_with_a_reason():
    assert unclassified_models() == []
    root = Path(settings.BASE_DIR)
    ours = {
        app.label
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(root) and ".venv" not in Path(app.path).parts
    }
    assert ours <= set(PROJECT_APPS)
    exported = {label(m) for m in export_models()}
    assert not exported & set(EXCLUDED)
    # Each table comes after the tables it points to.
    seen: set[str] = set()
    for model in export_models():
        for field in model._meta.concrete_fields:
            target = field.related_model
            if target is not None and label(target) in exported and target is not model:
                assert label(target) in seen, (label(model), label(target))
        seen.add(label(model))


def test_the_export_page_is_for_staff_only(small_hub, client_for):
    url = reverse("hub-export")

    anonymous = client_for("anonymous").get(url + "?download=1")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))
    for persona in ("outsider", "owner", "reviewer"):
        assert client_for(persona).get(url + "?download=1").status_code == 403
    assert not AuditEvent.objects.filter(action=DOWNLOAD_ACTION).exists()


def test_staff_download_the_same_zip_and_it_is_audited(
    small_hub, client_for, people, tmp_path
):
    response = client_for("staff").get(reverse("hub-export") + "?download=1")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="clusterhub-export-'
    )
    downloaded = b"".join(response.streaming_content)  # closes the temporary file
    event = AuditEvent.objects.get(action=DOWNLOAD_ACTION)
    assert event.actor == people["staff"]
    with zipfile.ZipFile(io.BytesIO(downloaded)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    # The command writes the same files (the download's audit row included).
    command = _files(_export(tmp_path / "same.zip"))
    assert files.keys() == command.keys()
    for name in files:
        if name != "manifest.json":
            assert files[name] == command[name], name
    assert b'"action":"hub.export_download"' in files["data/hub.auditevent.json"]


@pytest.mark.parametrize("downloads", [1, 12])
def test_the_page_lists_recent_downloads_in_constant_queries(
    client_for, people, django_assert_num_queries, downloads
):
    for _n in range(downloads):
        audit.record(DOWNLOAD_ACTION, actor=people["staff"])
    client = client_for("staff")

    # session, user, the latest downloads with their people (one join), the
    # header's unread-notification count
    with django_assert_num_queries(4):
        response = client.get(reverse("hub-export"))

    assert response.status_code == 200
    assert response.content.count(b"<time ") == min(downloads, 10)
    assert b"Download the full export (.zip)" in response.content


def test_a_failed_download_says_why_and_is_still_audited(
    small_hub, client_for, monkeypatch
):
    def fail(handle, **kwargs):
        raise ExportError("The database is missing migrations (run migrate first)")

    monkeypatch.setattr("hub.export.services.write_export", fail)
    client = client_for("staff")

    response = client.get(reverse("hub-export") + "?download=1", follow=True)

    assert response.redirect_chain == [(reverse("hub-export"), 302)]
    assert b"The export could not be written: The database is missing" in (
        response.content
    )
    assert AuditEvent.objects.filter(action=DOWNLOAD_ACTION).count() == 1
