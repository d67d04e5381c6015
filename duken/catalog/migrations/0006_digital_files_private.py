"""Digital products' files move from the public media folder to private storage."""

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.db import migrations, models

import duken.catalog.models
import duken.core.files


def move_to_private(apps, schema_editor):
    """Each product's file leaves MEDIA_ROOT for DUKEN_PRIVATE_ROOT, under the same name, so
    the old public address stops working and the download view keeps finding it."""
    Product = apps.get_model("catalog", "Product")
    media, private = Path(settings.MEDIA_ROOT), Path(settings.DUKEN_PRIVATE_ROOT)
    for name in Product.objects.exclude(digital_file="").values_list("digital_file", flat=True):
        source, target = media / name, private / name
        if source.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(os.fspath(source), os.fspath(target))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_searchquery_created_at_default"),
    ]

    operations = [
        migrations.AlterField(
            model_name="product",
            name="digital_file",
            field=models.FileField(
                blank=True,
                max_length=255,
                storage=duken.core.files.private_storage,
                upload_to=duken.catalog.models._digital_file_path,
                verbose_name="file for download",
            ),
        ),
        migrations.RunPython(move_to_private, migrations.RunPython.noop, elidable=True),
    ]
