"""The "Shop managers" staff group becomes the "Manager" role: the group is renamed, so its
members and permissions stay. Where both exist (the roles were ensured before this ran), the
old group's members and permissions join "Manager" and the old group goes."""

from django.db import migrations

OLD, NEW = "Shop managers", "Manager"


def _move(apps, schema_editor, old, new):
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    source = Group.objects.using(db).filter(name=old).first()
    if source is None:
        return
    target = Group.objects.using(db).filter(name=new).first()
    if target is None:
        source.name = new
        source.save(update_fields=["name"])
        return
    target.user_set.add(*source.user_set.all())
    target.permissions.add(*source.permissions.all())
    source.delete()


def forwards(apps, schema_editor):
    _move(apps, schema_editor, OLD, NEW)


def backwards(apps, schema_editor):
    _move(apps, schema_editor, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("customers", "0006_second_factor_and_session_token"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
