from django.db import migrations


def forward(apps, schema_editor):
    from kolabora.licensing.defaults import load

    load(
        apps.get_model("licensing", "LicenceType"),
        apps.get_model("licensing", "RequirementDefinition"),
        apps.get_model("licensing", "StepDefinition"),
    )


class Migration(migrations.Migration):
    dependencies = [("licensing", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
