"""Clean the links imported before imports checked them (issue 13): a landing
page or distribution URL that is not a safe http(s) link is kept as text when
it is an ftp address and emptied otherwise, as an import now does. Reversing
it changes nothing: the dangerous values are not worth keeping."""

from __future__ import annotations

from django.db import migrations

from hub.core.safelinks import stored_url

CHUNK = 2000


def clean_links(apps, schema_editor):
    tables = set(schema_editor.connection.introspection.table_names())
    for model, field in (("Dataset", "landing_page"), ("Distribution", "url")):
        Model = apps.get_model("catalog", model)
        if Model._meta.db_table not in tables:
            # A new database: ventures 0002 has not made the tables yet (catalog
            # 0001 is state only), so there is nothing to clean. Depending on
            # it instead would point this migration up a layer.
            continue
        rows = Model.objects.exclude(**{field: ""})
        changed = []
        for row in rows.only("pk", field).iterator(chunk_size=CHUNK):
            value = getattr(row, field)
            kept = stored_url(value)
            if kept != value:
                setattr(row, field, kept)
                changed.append(row)
        rows.model.objects.bulk_update(changed, [field], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(clean_links, migrations.RunPython.noop)]
