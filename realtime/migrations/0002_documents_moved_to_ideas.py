from django.db import migrations


class Migration(migrations.Migration):
    """The plan documents' models left for ideas (see ideas 0004)."""

    dependencies = [
        ('ideas', '0004_plan_documents'),
        ('realtime', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables exist already and keep their names.
            state_operations=[
                migrations.RemoveField(
                    model_name='docupdate',
                    name='plan',
                ),
                migrations.DeleteModel(
                    name='DocSnapshot',
                ),
                migrations.DeleteModel(
                    name='DocUpdate',
                ),
            ],
            database_operations=[],
        ),
    ]
