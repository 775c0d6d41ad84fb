from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("provenance", "0002_thumbnails_in_file_storage")]

    operations = [migrations.RemoveField(model_name="provenancethumbnail", name="data")]
