from django.db import migrations


def forward(apps, schema_editor):
    from kolabora.marketing.defaults import load

    load(
        apps.get_model("marketing", "ProductCategory"),
        apps.get_model("licensing", "LicenceType"),
        apps.get_model("marketing", "CurationCriterion"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0001_initial"),
        # The licence types the categories require are created by licensing's data migration.
        ("licensing", "0002_default_licence_types"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
