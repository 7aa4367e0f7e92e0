import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


MOVED = ("docupdate", "docsnapshot")


def _move(apps, schema_editor, src: str, dst: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if ContentType.objects.using(db).filter(app_label=dst, model=model).exists():
            continue  # already there (a database migrated part way by hand)
        ContentType.objects.using(db).filter(app_label=src, model=model).update(
            app_label=dst
        )


def _relabel(apps, schema_editor) -> None:
    _move(apps, schema_editor, "realtime", "ideas")


def _unlabel(apps, schema_editor) -> None:
    _move(apps, schema_editor, "ideas", "realtime")


class Migration(migrations.Migration):
    """DocUpdate and DocSnapshot (a plan's live Yjs state), moved from realtime.

    The tables were created by realtime 0001 and keep their names
    (``db_table``), so this migration changes the migration state only. The
    content types follow the models (same ids, app label ``ideas``).
    """

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ('ideas', '0003_idea_challenge_idea_program_alter_idea_visibility'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables exist already and keep their names.
            state_operations=[
                migrations.CreateModel(
                    name='DocSnapshot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('state', models.BinaryField()),
                        ('upto_id', models.BigIntegerField(default=0)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('plan', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='doc_snapshot', to='ideas.businessplan')),
                    ],
                    options={
                        'db_table': 'realtime_docsnapshot',
                    },
                ),
                migrations.CreateModel(
                    name='DocUpdate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('data', models.BinaryField()),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='doc_updates', to='ideas.businessplan')),
                    ],
                    options={
                        'db_table': 'realtime_docupdate',
                        'ordering': ['id'],
                        'indexes': [models.Index(fields=['plan', 'id'], name='realtime_do_plan_id_0a03f4_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_relabel, _unlabel, elidable=False),
    ]
