from django.db import migrations


def forward(apps, schema_editor):
    from kolabora.financing.defaults import load

    load(apps.get_model("financing", "FinancingProduct"))


class Migration(migrations.Migration):
    dependencies = [("financing", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
