
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


MOVED = ("catalogsource", "dataset", "distribution")


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
    _move(apps, schema_editor, "ventures", "catalog")


def _unlabel(apps, schema_editor) -> None:
    _move(apps, schema_editor, "catalog", "ventures")


class Migration(migrations.Migration):
    """CatalogSource, Dataset and Distribution, moved from ventures.

    The tables were created by ventures 0002 and keep their names
    (``db_table``), so this migration changes the migration state only. The
    content types follow the models (same ids, app label ``catalog``), so
    permissions, group grants, admin history and tags keep pointing at them.
    """

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables exist already and keep their names.
            state_operations=[
                migrations.CreateModel(
                    name='CatalogSource',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, unique=True, verbose_name='name')),
                        ('location', models.CharField(blank=True, max_length=2000, verbose_name='URL or file name')),
                        ('format', models.CharField(blank=True, choices=[('dcat-us', 'DCAT-US data.json'), ('ckan', 'CKAN API response'), ('dcat-ap', 'DCAT-AP (RDF)'), ('socrata', 'Socrata view JSON'), ('survey', 'Named in a survey, not in a catalog')], max_length=10, verbose_name='format')),
                        ('last_imported_at', models.DateTimeField(blank=True, null=True, verbose_name='last import')),
                        ('last_counts', models.JSONField(default=dict, verbose_name='counts of the last import')),
                    ],
                    options={
                        'db_table': 'ventures_catalogsource',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Dataset',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('identifier', models.CharField(max_length=500, verbose_name='identifier')),
                        ('title', models.CharField(max_length=500, verbose_name='title')),
                        ('description', models.TextField(blank=True, verbose_name='description')),
                        ('publisher', models.CharField(blank=True, max_length=300, verbose_name='publisher')),
                        ('keywords', models.JSONField(blank=True, default=list, verbose_name='keywords')),
                        ('themes', models.JSONField(blank=True, default=list, verbose_name='themes')),
                        ('licence', models.TextField(blank=True, verbose_name='licence')),
                        ('landing_page', models.CharField(blank=True, max_length=2000, verbose_name='landing page')),
                        ('modified', models.DateField(blank=True, null=True, verbose_name='modified')),
                        ('access_level', models.CharField(blank=True, max_length=50, verbose_name='access level')),
                        ('withdrawn', models.BooleanField(default=False, verbose_name='withdrawn')),
                        ('content_hash', models.CharField(editable=False, max_length=64)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ('source', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='datasets', to='catalog.catalogsource')),
                    ],
                    options={
                        'db_table': 'ventures_dataset',
                        'ordering': ['title', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Distribution',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(blank=True, max_length=500, verbose_name='title')),
                        ('format', models.CharField(blank=True, max_length=100, verbose_name='format')),
                        ('url', models.CharField(blank=True, max_length=2000, verbose_name='URL')),
                        ('media_type', models.CharField(blank=True, max_length=200, verbose_name='media type')),
                        ('dataset', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='distributions', to='catalog.dataset')),
                    ],
                    options={
                        'db_table': 'ventures_distribution',
                        'ordering': ['id'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='dataset',
                    constraint=models.UniqueConstraint(fields=('source', 'identifier'), name='ventures_dataset_one_per_source'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_relabel, _unlabel, elidable=False),
    ]
