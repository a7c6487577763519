from django.db import migrations


def forward(apps, schema_editor):
    from kolabora.bookkeeping.defaults import load

    load(apps.get_model("bookkeeping", "CashCategory"))


class Migration(migrations.Migration):
    dependencies = [("bookkeeping", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
