# The dashboard's "expiring" list orders by end date then id: with the id in the index it reads
# the index alone for the records in its window (bench/million.py, consent dashboard).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0004_spanish_statement"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="consentrecord",
            name="consent_con_valid_u_ca4bda_idx",
        ),
        migrations.AddIndex(
            model_name="consentrecord",
            index=models.Index(fields=["valid_until", "id"], name="consent_record_ends_idx"),
        ),
    ]
