"""PostgreSQL only, after 0001 (Django creates the pattern index at the end of a migration)."""

from django.db import migrations

TABLE = "throttles_throttlehistory"


def postgresql_table(apps, schema_editor):
    """On PostgreSQL: UNLOGGED (no WAL for a count; a server crash forgets the current windows)
    and without the ``varchar_pattern_ops`` index Django adds to a text key (only equality is
    ever asked: one index fewer to write per hit)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s",
            [TABLE, "%\\_like"],
        )
        for (name,) in cursor.fetchall():
            schema_editor.execute(f'DROP INDEX "{name}"')
    schema_editor.execute(f"ALTER TABLE {TABLE} SET UNLOGGED")


class Migration(migrations.Migration):
    dependencies = [("throttles", "0001_initial")]

    operations = [migrations.RunPython(postgresql_table, migrations.RunPython.noop)]
