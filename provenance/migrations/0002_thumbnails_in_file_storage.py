"""Thumbnails move from a bytea column into file storage (provenance.models.ProvenanceThumbnail
says why). Every stored thumbnail is written out under its content's name before the column
goes (0003 drops it, in a transaction of its own); going back reads them in again. The files
are left in storage either way: thumbnails are never deleted, and the same name always holds
the same bytes."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations, models

# As provenance.models.thumbnail_path names them today; a migration keeps its own copy.
FOLDER = "provenance-thumbnails"
BATCH = 200


def _name(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    return f"{FOLDER}/{digest[:2]}/{digest}"


def write_out(apps: Any, schema_editor: Any) -> None:
    thumbnail = apps.get_model("provenance", "ProvenanceThumbnail")
    rows = thumbnail.objects.using(schema_editor.connection.alias).only("data").order_by("pk")
    for row in rows.iterator(chunk_size=BATCH):
        data = bytes(row.data)
        name = _name(data)
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(data))
        row.file = name
        row.save(update_fields=["file"])


def read_in(apps: Any, schema_editor: Any) -> None:
    thumbnail = apps.get_model("provenance", "ProvenanceThumbnail")
    rows = thumbnail.objects.using(schema_editor.connection.alias).only("file").order_by("pk")
    for row in rows.iterator(chunk_size=BATCH):
        with default_storage.open(row.file.name, "rb") as handle:
            row.data = handle.read()
        row.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [("provenance", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="provenancethumbnail",
            name="file",
            field=models.FileField(default="", max_length=200, upload_to=""),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="provenancethumbnail",
            name="data",
            field=models.BinaryField(default=b""),
        ),
        migrations.RunPython(write_out, read_in, elidable=False),
    ]
