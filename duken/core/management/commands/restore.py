"""``duken restore ARCHIVE``: put a ``duken backup`` archive back (see ``duken.core.backup``)."""

from django.core.management.base import BaseCommand, CommandError

from duken.core import backup


class Command(BaseCommand):
    help = (
        "Restore a `duken backup` archive: checks every checksum first, refuses to replace a "
        "database holding data without --yes, replaces the database, the media, the private "
        "files and the secrets, then migrates. Stop `duken serve` and `duken worker` first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar.gz made by `duken backup`")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="replace a database that holds data (everything in it is lost)",
        )

    def handle(self, *args, archive, yes=False, **options):
        try:
            restored = backup.restore(archive, replace_data=yes)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = restored.manifest
        engine = backup.engine_name(manifest["database"]["engine"])
        secrets = (
            f" and {restored.files('secrets')} secrets."
            if manifest["includes_secrets"]
            else "; the archive holds no secrets, this installation keeps its own."
        )
        self.stdout.write(
            f"Restored {archive}, made {manifest['created_at']} by Duken "
            f"{manifest['duken_version']}: the {engine} database, {restored.files('media')} "
            f"media files, {restored.files('private')} private files{secrets}"
        )
        self._print_counts(restored)
        applied = restored.migrations_applied
        if applied:
            more = f" and {len(applied) - 5} more" if len(applied) > 5 else ""
            self.stdout.write(
                f"Applied {len(applied)} migrations the archive did not have yet: "
                f"{', '.join(applied[:5])}{more}."
            )
        else:
            self.stdout.write("The database was already at this version's migrations.")
        if restored.mismatches():
            raise CommandError(
                "The restored database does not hold the rows the archive's manifest lists "
                "(see above)."
            )

    def _print_counts(self, restored):
        tables = restored.manifest["tables"]
        width = max((len(name) for name in tables), default=5)
        self.stdout.write(f"{'table':<{width}}  {'archive':>10}  {'restored':>10}")
        for table, archived in sorted(tables.items()):
            now = restored.counts.get(table)
            if archived or now:
                mark = "" if now == archived else "  <- differs"
                shown = "missing" if now is None else f"{now:,}"
                self.stdout.write(f"{table:<{width}}  {archived:>10,}  {shown:>10}{mark}")
        mismatches = restored.mismatches()
        total = sum(tables.values())
        if mismatches:
            self.stdout.write(f"{len(mismatches)} of {len(tables)} tables differ from the archive.")
        else:
            self.stdout.write(
                f"Row counts match the archive: {len(tables)} tables, {total:,} rows "
                "(empty tables not listed)."
            )
