
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The catalog models left for the catalog app (see catalog 0001)."""

    dependencies = [
        ('catalog', '0001_initial'),
        ('challenges', '0004_datasets_from_catalog'),
        ('ventures', '0005_directory_imports'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables exist already and keep their names.
            state_operations=[
                migrations.RemoveField(
                    model_name='dataset',
                    name='source',
                ),
                migrations.AlterField(
                    model_name='datasetuse',
                    name='dataset',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='uses', to='catalog.dataset'),
                ),
                migrations.RemoveField(
                    model_name='distribution',
                    name='dataset',
                ),
                migrations.DeleteModel(
                    name='CatalogSource',
                ),
                migrations.DeleteModel(
                    name='Dataset',
                ),
                migrations.DeleteModel(
                    name='Distribution',
                ),
            ],
            database_operations=[],
        ),
    ]
