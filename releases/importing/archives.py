"""Uploaded release files as one zip archive: packed, checked and unpacked safely.

Limits come from the settings BRIEFING_UPLOAD_MAX_FILES and
BRIEFING_UPLOAD_MAX_BYTES (the release files' size, unpacked). Every problem
is an UploadRefused whose message is one line naming the file.
"""

import io
import lzma
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath, PureWindowsPath

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from releases.importing.discovery import is_release_name

# What zipfile raises for a damaged archive, or one it cannot read.
UNREADABLE = (
    zipfile.BadZipFile,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    OSError,
    zlib.error,
    lzma.LZMAError,
)


class UploadRefused(Exception):
    """Uploaded files that cannot be imported; the message says why, in one line."""


def archive_of(files):
    """Return (name, zip bytes) for uploaded *files*: a .zip as it is, or release
    files packed in one."""
    zips = [file for file in files if file.name.lower().endswith(".zip")]
    if zips and len(files) > 1:
        raise UploadRefused(f"{zips[0].name}: upload a .zip on its own, not with other files")
    if not zips:
        return packed(files)
    upload = zips[0]
    if upload.size > settings.BRIEFING_UPLOAD_MAX_BYTES:
        raise UploadRefused(f"{upload.name}: {filesizeformat(upload.size)}, {size_limit()}")
    return upload.name, upload.read()


def packed(files):
    """Return (name, zip bytes) for uploaded release *files*, packed in one zip."""
    names = [file.name for file in files]
    name = names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"
    check_limits(name, [file.size for file in files])
    for file in files:
        if not is_release_name(file.name):
            raise UploadRefused(
                f"{file.name}: not a release file; upload .md or .txt files, or one .zip of them"
            )
        if names.count(file.name) > 1:
            raise UploadRefused(f"{file.name}: uploaded twice")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.writestr(file.name, file.read())
    return name, buffer.getvalue()


def unpack(archive, name, directory):
    """Write the release files in zip *archive*, uploaded as *name*, under *directory*.

    Every entry is checked, and the limits too, before anything is written.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as zip_file:
            for path, info in release_members(zip_file, name).items():
                extract(zip_file, info, Path(directory, path), name)
    except UNREADABLE as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise UploadRefused(f"{name}: not a zip archive that can be read ({reason})") from None


def release_members(zip_file, name):
    """Return {path: ZipInfo} for the release files in *zip_file*, uploaded as *name*.

    Other files, READMEs and directories are left out, as an import leaves them.
    """
    members = {}
    for info in zip_file.infolist():
        path = member_path(info, name)
        if info.is_dir() or not is_release_name(path.name):
            continue
        if path in members:
            raise UploadRefused(f"{name}: {path} is in it twice")
        members[path] = info
    if not members:
        raise UploadRefused(f"{name}: no release files (.md or .txt) in it")
    check_limits(name, [info.file_size for info in members.values()])
    return members


def member_path(info, name):
    """Return the relative path of zip entry *info*, refusing any entry that is not
    a plain file or directory inside the archive."""
    entry = info.filename
    # Windows paths too: zips made there may separate with backslashes.
    path = PureWindowsPath(entry)
    if path.anchor:
        raise UploadRefused(f"{name}: {entry} is an absolute path")
    if ".." in path.parts:
        raise UploadRefused(f"{name}: {entry} points outside the archive")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UploadRefused(f"{name}: {entry} is a symbolic link")
    if info.flag_bits & 0x1:
        raise UploadRefused(f"{name}: {entry} is encrypted")
    return PurePosixPath(*path.parts)


def extract(zip_file, info, target, name):
    """Write zip entry *info* to *target*."""
    with zip_file.open(info) as source:
        # Never more than the entry declares, whatever it holds: the declared
        # sizes are what the limits were checked against.
        data = source.read(info.file_size)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as file:
            file.write(data)
    except OSError as exc:
        reason = exc.strerror or exc
        raise UploadRefused(f"{name}: cannot unpack {info.filename}: {reason}") from None


def check_limits(name, sizes):
    """Refuse upload *name* if its release files, of *sizes*, are too many or too large."""
    most = settings.BRIEFING_UPLOAD_MAX_FILES
    if len(sizes) > most:
        raise UploadRefused(
            f"{name}: {len(sizes):,} release files, more than the {most:,} allowed "
            "(BRIEFING_UPLOAD_MAX_FILES)"
        )
    total = sum(sizes)
    if total > settings.BRIEFING_UPLOAD_MAX_BYTES:
        raise UploadRefused(f"{name}: {filesizeformat(total)} of release files, {size_limit()}")


def size_limit():
    largest = filesizeformat(settings.BRIEFING_UPLOAD_MAX_BYTES)
    return f"more than the {largest} allowed (BRIEFING_UPLOAD_MAX_BYTES)"
