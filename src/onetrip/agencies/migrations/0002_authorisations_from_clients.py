"""Keep the data of the old client list: each (agency, company) pair of ``Agency.clients``
becomes an authorisation valid for one year from the day of the migration (the letters were
never recorded; the agency page shows them as to be uploaded)."""

import datetime as dt

from django.db import migrations


def forwards(apps, schema_editor):
    Agency = apps.get_model("people", "Agency")
    Authorisation = apps.get_model("agencies", "Authorisation")
    today = dt.date.today()
    rows = []
    for agency in Agency.objects.all():
        for company in agency.clients.all():
            if not Authorisation.objects.filter(agency=agency, company=company).exists():
                rows.append(
                    Authorisation(
                        agency=agency,
                        company=company,
                        reference="迁移自委托企业名单",
                        valid_from=today,
                        valid_until=today.replace(year=today.year + 1)
                        if not (today.month == 2 and today.day == 29)
                        else today + dt.timedelta(days=365),
                    )
                )
    Authorisation.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
