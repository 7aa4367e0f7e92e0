"""The intake rubric that scores unsolicited proposals (staff may edit it)."""

from django.db import migrations

CRITERIA = [
    ("Need", "How real and widespread is the problem for residents or businesses?", 3),
    ("Feasibility", "Can this team build and run it with the means described?", 2),
    ("Impact", "What changes for the city if it works, and how soon?", 3),
    ("Fit with city priorities", "Does it use city data or assets and serve its goals?", 1),
]  # fmt: skip


def create_default(apps, schema_editor):
    Rubric = apps.get_model("challenges", "Rubric")
    Criterion = apps.get_model("challenges", "Criterion")
    if Rubric.objects.filter(is_default=True).exists():
        return
    rubric = Rubric.objects.create(
        name="Intake rubric for unsolicited proposals",
        scale_min=0,
        scale_max=5,
        is_default=True,
    )
    Criterion.objects.bulk_create(
        Criterion(rubric=rubric, name=name, description=text, weight=w, position=i)
        for i, (name, text, w) in enumerate(CRITERIA)
    )


def remove_default(apps, schema_editor):
    apps.get_model("challenges", "Rubric").objects.filter(
        is_default=True, challenge__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("challenges", "0002_reviews")]

    operations = [migrations.RunPython(create_default, remove_default)]
