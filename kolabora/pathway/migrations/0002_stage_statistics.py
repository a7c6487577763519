"""PostgreSQL: tell the planner how stage code and status go together.

Without multivariate statistics it assumes code and status are independent and misjudges rare
combinations (few participants reach P7), scanning hundreds of thousands of rows for a stage filter.
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE STATISTICS IF NOT EXISTS pstage_code_status_stats (mcv) ON code, status "
            "FROM pathway_participantstage",
            params=None,
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS pstage_code_status_stats", params=None)


class Migration(migrations.Migration):
    dependencies = [("pathway", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
