"""The data version the figures cache is keyed by (``reports/figures.py``): a
one-row table, and triggers on every table the figures read that move it when
a write commits. The table list is fixed here, as the tables were when this
migration was written; ``tests/reports/test_figures.py`` checks that every
table carries the trigger or is listed in ``reports.figures.UNWATCHED``.

This was hub's migration 0005, which depended on every app; it moved here so
the floor's migrations depend on nothing above them. Every statement is
idempotent (``IF NOT EXISTS``, ``DROP ... IF EXISTS`` before ``CREATE``): a
database that already ran hub 0005 runs this one too and ends the same; the
stale ``hub 0005_data_version`` row in django_migrations names no file and
Django ignores it."""

from django.db import migrations

TABLES = (
    "hub_user",
    "hub_auditevent",
    "taggit_tag",
    "taggit_taggeditem",
    "ideas_idea",
    "ideas_teammembership",
    "ideas_stagechange",
    "ideas_comment",
    "ventures_venture",
    "ventures_venturemember",
    "ventures_catalogsource",
    "ventures_dataset",
    "ventures_distribution",
    "ventures_datasetuse",
    "ventures_datarequest",
    "ventures_fundingevent",
    "ventures_impactsnapshot",
    "ventures_exchangerate",
    "ventures_externalreference",
    "programs_program",
    "programs_program_managers",
    "programs_cohort",
    "programs_programmembership",
    "programs_invitation",
    "programs_scorecardtarget",
    "challenges_challenge",
    "challenges_challenge_datasets",
    "challenges_rubric",
    "challenges_criterion",
    "challenges_reviewassignment",
    "challenges_score",
    "challenges_remindersent",
)
#: hub_user: only these columns (a sign-in updates last_login, which no figure reads).
USER_COLUMNS = (
    "email",
    "display_name",
    "organisation",
    "role",
    "is_active",
    "is_staff",
    "is_superuser",
)

POSTGRES_SETUP = """
CREATE TABLE IF NOT EXISTS hub_data_version (
    id integer PRIMARY KEY CHECK (id = 1),
    value bigint NOT NULL
);
INSERT INTO hub_data_version (id, value)
VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
ON CONFLICT (id) DO NOTHING;
CREATE OR REPLACE FUNCTION hub_data_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Once per statement (the setting is local to the transaction): deferred,
    -- every row's event fires within the COMMIT, so once per transaction.
    IF current_setting('hub.data_changed', true)
       IS DISTINCT FROM statement_timestamp()::text THEN
        PERFORM set_config('hub.data_changed', statement_timestamp()::text, true);
        UPDATE hub_data_version
        SET value = GREATEST(
            value + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
        )
        WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$;
"""

SQLITE_BUMP = (
    "UPDATE hub_data_version SET value = max(value + 1, "
    "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = 1;"
)


def _events(table: str, vendor: str) -> list[tuple[str, str]]:
    """(suffix, event clause) pairs for one table."""
    update = "UPDATE"
    if table == "hub_user":
        update = f"UPDATE OF {', '.join(USER_COLUMNS)}"
    if vendor == "postgresql":
        return [("", f"INSERT OR {update} OR DELETE")]
    return [("_ins", "INSERT"), ("_upd", update), ("_del", "DELETE")]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(POSTGRES_SETUP)
            for table in TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS hub_data_changed ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS hub_data_truncated ON {table}")
                for _suffix, events in _events(table, vendor):
                    cursor.execute(
                        f"CREATE CONSTRAINT TRIGGER hub_data_changed AFTER {events} "
                        f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                        "EXECUTE FUNCTION hub_data_changed()"
                    )
                cursor.execute(
                    f"CREATE TRIGGER hub_data_truncated AFTER TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION hub_data_changed()"
                )
        elif vendor == "sqlite":
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS hub_data_version "
                "(id integer PRIMARY KEY CHECK (id = 1), value integer NOT NULL)"
            )
            cursor.execute(
                "INSERT OR IGNORE INTO hub_data_version (id, value) VALUES (1, "
                "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))"
            )
            for table in TABLES:
                for suffix, events in _events(table, vendor):
                    cursor.execute(
                        f"DROP TRIGGER IF EXISTS hub_data_changed_{table}{suffix}"
                    )
                    cursor.execute(
                        f"CREATE TRIGGER hub_data_changed_{table}{suffix} "
                        f"AFTER {events} ON {table} BEGIN {SQLITE_BUMP} END"
                    )


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            if vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS hub_data_changed ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS hub_data_truncated ON {table}")
            elif vendor == "sqlite":
                for suffix, _events_clause in _events(table, vendor):
                    cursor.execute(
                        f"DROP TRIGGER IF EXISTS hub_data_changed_{table}{suffix}"
                    )
        if vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS hub_data_changed()")
        cursor.execute("DROP TABLE IF EXISTS hub_data_version")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("hub", "0004_notification_kind_invited"),
        (
            "taggit",
            "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx",
        ),
        ("catalog", "0001_initial"),
        ("ideas", "0003_idea_challenge_idea_program_alter_idea_visibility"),
        ("ventures", "0006_catalog_moved_out"),
        ("programs", "0003_scorecard_target"),
        ("challenges", "0004_datasets_from_catalog"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
