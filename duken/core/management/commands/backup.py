"""``duken backup``: one archive of the database, the media, the private files and the
installation's secrets (see ``duken.core.backup``)."""

from django.core.management.base import BaseCommand, CommandError

from duken.core import backup


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"  # pragma: no cover - the loop always returns


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online, or pg_dump), the media, the private files and "
        "the installation's secrets into one dated .tar.gz with a manifest of checksums. "
        "The shop keeps running meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            help="the archive's file name, or a folder for a dated one "
            "(default: DUKEN_BACKUP_DIR, else var/backups/)",
        )
        parser.add_argument(
            "--exclude-secrets",
            action="store_true",
            help="leave var/secrets out (the restored installation then needs its own "
            "SECRET_KEY; sessions and signed links of the old one stop working)",
        )

    def handle(self, *args, output=None, exclude_secrets=False, **options):
        try:
            made = backup.create(output, include_secrets=not exclude_secrets)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = made.manifest
        rows = sum(manifest["tables"].values())
        database = backup.engine_name(manifest["database"]["engine"])
        self.stdout.write(
            f"Backed up the {database} database ({len(manifest['tables'])} tables, "
            f"{rows:,} rows), {made.files('media')} media files, {made.files('private')} "
            f"private files and {made.files('secrets')} secrets in {made.seconds:.1f} s:"
        )
        self.stdout.write(f"  {made.path} ({human_size(made.size)})")
        if manifest["includes_secrets"]:
            self.stdout.write(
                "The archive holds the installation's secrets: keep it where only you can read it."
            )
