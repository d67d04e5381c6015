"""The backup archive: one ``.tar.gz`` file holding the database dump, the media, the private
files, the installation's secrets and, written last, ``manifest.json``, which lists every other
member with its size and sha256.

Reading extracts into staging folders and checks every member against the manifest, and the
whole gzip stream against its CRC, before the caller touches anything the shop uses. Only plain
files under the four known folders are accepted: no links, no devices, no absolute paths and no
``..``, whatever the archive says.
"""

import gzip
import hashlib
import io
import json
import os
import tarfile
import zlib
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = 1
PARTS = ("database", "media", "private", "secrets")
# gzip level 6: nearly the size of level 9 in well under half the time on a shop's database.
COMPRESS_LEVEL = 6
CHUNK = 1 << 20
MAX_MANIFEST_BYTES = 64 << 20


class BackupError(Exception):
    """A backup or restore Duken refuses; the message says why and what to do."""


class _Hashing:
    """A file object that hashes what is read from it (tarfile copies members by ``read``)."""

    def __init__(self, handle):
        self._handle = handle
        self.sha256 = hashlib.sha256()

    def read(self, size=-1):
        data = self._handle.read(size)
        self.sha256.update(data)
        return data


class Writer:
    """Writes an archive to ``path`` (created readable by its owner only: it may hold the
    secrets). ``add_*`` record each member's checksum for the manifest ``close`` writes."""

    def __init__(self, path: Path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file = os.fdopen(fd, "wb")
        self._tar = tarfile.open(
            fileobj=self._file, mode="w:gz", compresslevel=COMPRESS_LEVEL, format=tarfile.PAX_FORMAT
        )
        self.members: dict[str, dict] = {}

    def add_file(self, name: str, path: Path) -> bool:
        """Add the file at ``path`` as ``name``; False when it vanished meanwhile (a product
        image deleted while the backup ran)."""
        try:
            handle = open(path, "rb")
        except FileNotFoundError:
            return False
        with handle:
            info = self._tar.gettarinfo(arcname=name, fileobj=handle)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            reader = _Hashing(handle)
            self._tar.addfile(info, reader)
        self.members[name] = {"size": info.size, "sha256": reader.sha256.hexdigest()}
        return True

    def add_tree(self, part: str, root: Path, *, skip_prefix: str = "") -> int:
        """Add every plain file under ``root`` as ``part/<relative path>``, leaving out the
        folders right under ``root`` whose names start with ``skip_prefix``; returns how many."""
        added = 0
        for folder, dirs, files in os.walk(root):
            if skip_prefix and Path(folder) == Path(root):
                dirs[:] = [d for d in dirs if not d.startswith(skip_prefix)]
            dirs.sort()
            for file_name in sorted(files):
                path = Path(folder) / file_name
                if path.is_symlink():
                    continue  # Duken writes no links; one pointing anywhere is not the shop's
                relative = path.relative_to(root).as_posix()
                added += self.add_file(f"{part}/{relative}", path)
        return added

    def close(self, manifest: dict) -> None:
        self.manifest = {**manifest, "members": self.members}
        blob = json.dumps(self.manifest, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(blob)
        info.mode = 0o600
        info.mtime = int(manifest.get("created_at_epoch", 0))
        self._tar.addfile(info, io.BytesIO(blob))
        self._tar.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    def abort(self) -> None:
        try:
            self._tar.close()
        finally:
            self._file.close()


def member_path(name: str) -> tuple[str, tuple[str, ...]]:
    """The part (``database``, ``media``, ...) and the path parts below it of a member name,
    or BackupError for any name that could land outside the part's folder."""
    parts = name.split("/")
    part, below = parts[0], tuple(parts[1:])
    unsafe = (
        part not in PARTS
        or not below
        or any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in below)
    )
    if unsafe:
        raise BackupError(f"The archive holds a file outside Duken's folders ({name!r}); refused.")
    return part, below


def extract_verified(archive: Path, folders: dict[str, Path]) -> dict:
    """Extract ``archive`` into ``folders`` (a staging folder per part) and return its manifest,
    once every member matched the manifest's checksum and the gzip stream its CRC. Raises
    BackupError otherwise; the caller then throws the staging folders away."""
    if not Path(archive).is_file():
        raise BackupError(f"There is no archive at {archive}.")
    found: dict[str, str] = {}
    manifest = None
    try:
        with gzip.open(archive, "rb") as stream:
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                for member in tar:
                    if member.name == MANIFEST and member.isreg():
                        manifest = _read_manifest(tar, member)
                        continue
                    if member.isdir():
                        continue
                    if not member.isreg():
                        raise BackupError(
                            f"The archive holds a link or special file ({member.name!r}); refused."
                        )
                    if member.name in found:
                        raise BackupError(f"The archive holds {member.name!r} twice; refused.")
                    part, below = member_path(member.name)
                    target = folders[part].joinpath(*below)
                    found[member.name] = _extract(tar, member, target, part)
            # tarfile stops at the end-of-archive blocks; reading on to the end of the gzip
            # stream makes gzip check its CRC over everything, the manifest included.
            while stream.read(CHUNK):
                pass
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError) as exc:
        raise BackupError(
            f"{archive} is damaged or is not a Duken backup ({exc}); nothing was changed."
        ) from exc
    if manifest is None:
        raise BackupError(f"{archive} has no manifest: it is not a Duken backup.")
    _check_members(manifest, found, archive)
    return manifest


def _read_manifest(tar, member) -> dict:
    if member.size > MAX_MANIFEST_BYTES:
        raise BackupError("The archive's manifest is too large to be Duken's; refused.")
    try:
        manifest = json.loads(tar.extractfile(member).read())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(
            f"The archive's manifest is damaged ({exc}); nothing was changed."
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            "The archive's manifest is not in a format this Duken reads "
            f"(format {manifest.get('format') if isinstance(manifest, dict) else '?'}); "
            "restore it with the Duken version that made it."
        )
    if not _well_formed(manifest):
        raise BackupError("The archive's manifest is not Duken's; nothing was changed.")
    return manifest


def _well_formed(manifest: dict) -> bool:
    """The manifest has the shape Duken writes (values the restore reads are of their type)."""
    database, tables = manifest.get("database"), manifest.get("tables")
    migrations, members = manifest.get("migrations"), manifest.get("members")
    return (
        isinstance(database, dict)
        and isinstance(database.get("engine"), str)
        and isinstance(database.get("member"), str)
        and isinstance(tables, dict)
        and all(isinstance(n, int) for n in tables.values())
        and isinstance(migrations, dict)
        and all(
            isinstance(v, list) and all(isinstance(n, str) for n in v) for v in migrations.values()
        )
        and isinstance(members, dict)
        and all(isinstance(m, dict) for m in members.values())
        and isinstance(manifest.get("includes_secrets"), bool)
        and isinstance(manifest.get("created_at"), str)
        and isinstance(manifest.get("duken_version"), str)
    )


def _extract(tar, member, target: Path, part: str) -> str:
    digest = hashlib.sha256()
    source = tar.extractfile(member)
    mode = 0o600 if part in ("secrets", "database") else 0o644
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "wb")
    except (FileExistsError, NotADirectoryError) as exc:
        # e.g. "media/a" as a file and "media/a/b" too: not an archive Duken wrote
        raise BackupError(
            f"The archive's {member.name!r} clashes with another member; refused."
        ) from exc
    except OSError as exc:
        raise _unwritable(target, exc) from exc
    with out:
        # Read errors (a damaged stream) propagate as they are; write errors are the disk's.
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            try:
                out.write(chunk)
            except OSError as exc:
                raise _unwritable(target, exc) from exc
        try:
            out.flush()
            os.fsync(out.fileno())
        except OSError as exc:
            raise _unwritable(target, exc) from exc
    return digest.hexdigest()


def _unwritable(target: Path, exc: OSError) -> BackupError:
    return BackupError(f"Could not write {target} ({exc.strerror or exc}); nothing was changed.")


def _check_members(manifest: dict, found: dict[str, str], archive: Path) -> None:
    listed = manifest["members"]
    missing = sorted(set(listed) - set(found))
    extra = sorted(set(found) - set(listed))
    if missing or extra:
        raise BackupError(
            f"{archive} does not match its manifest (missing: {', '.join(missing) or 'none'}; "
            f"not listed: {', '.join(extra) or 'none'}): it is damaged; nothing was changed."
        )
    for name, digest in found.items():
        if listed[name].get("sha256") != digest:
            raise BackupError(
                f"{name} in {archive} does not match its checksum in the manifest: the archive "
                "is damaged; nothing was changed."
            )
