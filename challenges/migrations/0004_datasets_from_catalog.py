
from django.db import migrations, models


class Migration(migrations.Migration):
    """The linked datasets now live in catalog (same through table and columns)."""

    dependencies = [
        ('catalog', '0001_initial'),
        ('challenges', '0003_default_intake_rubric'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables exist already and keep their names.
            state_operations=[
                migrations.AlterField(
                    model_name='challenge',
                    name='datasets',
                    field=models.ManyToManyField(blank=True, related_name='challenges', to='catalog.dataset', verbose_name='linked datasets'),
                ),
            ],
            database_operations=[],
        ),
    ]
