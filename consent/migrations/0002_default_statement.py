"""The default consent statement (version 1). Legal publishes later versions in the app."""

from __future__ import annotations

import hashlib

from django.db import migrations

BODY = """\
I agree that the newsroom may use the media described below, in which I appear or which I made.

I understand that:
- the media is synthetic or has been altered: it was made or changed, in part or in full, with \
artificial intelligence or other digital tools, and may show me doing or saying things I did \
not do or say;
- it will be used only as described below (uses, channels, territories and dates);
- wherever it is published it will carry a clear label saying that it is synthetic or altered, \
and the file will carry the same disclosure in its Content Credentials;
- I may revoke this consent at any time by contacting the newsroom; after that the newsroom \
will not publish the media again and will correct or take down what it reasonably can.

I give this consent freely and have had the chance to ask questions."""


def create(apps, schema_editor):
    Statement = apps.get_model("consent", "ConsentStatement")
    if not Statement.objects.filter(key="synthetic-media", version=1).exists():
        Statement.objects.create(
            key="synthetic-media",
            version=1,
            title="Consent to the use of synthetic or altered media",
            language="en",
            body=BODY,
            sha256=hashlib.sha256(BODY.encode("utf-8")).hexdigest(),
        )


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    # Never removed on the way back: records may quote it.
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
