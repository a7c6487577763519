from django.db import migrations


def forward(apps, schema_editor):
    from kolabora.governance.instruments import load

    load(
        apps.get_model("governance", "Framework"),
        apps.get_model("governance", "Dimension"),
        apps.get_model("governance", "Item"),
    )


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
