"""Grant publishing the public policies to standards editors and administrators."""

from __future__ import annotations

import importlib

from django.db import migrations

roles_0001 = importlib.import_module("accounts.migrations.0001_roles")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_incident_roles"),
        ("public", "0001_initial"),
    ]

    operations = [migrations.RunPython(roles_0001.create_roles, migrations.RunPython.noop)]
