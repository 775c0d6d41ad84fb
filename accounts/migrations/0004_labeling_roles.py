"""Grant the labeling permissions: editors and standards editors classify assets and set their
labels; standards editors and administrators manage the label vocabulary."""

from __future__ import annotations

import importlib

from django.db import migrations

roles_0001 = importlib.import_module("accounts.migrations.0001_roles")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_consent_roles"),
        ("labeling", "0002_default_vocabulary"),
    ]

    operations = [migrations.RunPython(roles_0001.create_roles, migrations.RunPython.noop)]
