from django.db import migrations


def forward(apps, schema_editor):
    # A database that already holds participants gets its aggregates counted once; an empty one (a new
    # installation, the tests) has nothing to count, and the writers' hooks keep them from then on.
    if not apps.get_model("pathway", "ParticipantStage").objects.exists():
        return
    from kolabora.analytics.counters import counters_rebuild

    counters_rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("participants", "0001_initial"),
        ("pathway", "0002_stage_statistics"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
