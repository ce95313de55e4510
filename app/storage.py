"""Where uploaded files live: a folder on this host (the default, `make run`) or an
S3-compatible object store shared by several app hosts (`KP_STORAGE=s3`).

Everything that reads, writes, lists or serves an upload goes through `storage()`, so the
core, the plugins (`kit.storage`), `flask kp media ...` and the backup see the same files
whichever backend is configured. Paths are the `Media.relpath` values: forward slashes,
every part checked by `safe_parts`.

Serving: the app decides who may see a file (app.views.media, kit.private_file) and then
calls `serve()`. Behind nginx, `KP_MEDIA_ACCEL` names an internal nginx location and the app
answers with `X-Accel-Redirect` only, so nginx sends the bytes (from the folder, or from the
bucket through a short-lived signed URL: the bucket itself is never public). Without it the
app streams the file itself.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import quote, urlsplit

from flask import Flask, Response, current_app, send_file

# Path parts we generate or accept: no "..", no hidden/temp files, no separators.
_SAFE_PART = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_CHUNK = 64 * 1024


def safe_parts(relpath: str) -> tuple[str, ...]:
    """The parts of a stored path; ValueError for anything we would never have stored."""
    parts = tuple(relpath.split("/")) if isinstance(relpath, str) else ()
    if not parts or not all(_SAFE_PART.fullmatch(p) for p in parts):
        raise ValueError(f"unsafe media path: {relpath!r}")
    return parts


@dataclass(frozen=True)
class StoredFile:
    relpath: str
    size_bytes: int
    modified: float  # seconds since the epoch


@dataclass(frozen=True)
class Delivery:
    """How a checked file is answered: its type, whether browsers download it, and who may
    keep a copy (public files for 30 days, others nobody)."""

    content_type: str
    public: bool
    download_name: str | None = None
    max_age: int = 30 * 24 * 3600

    @property
    def as_attachment(self) -> bool:
        return self.content_type != "image/jpeg"  # a kept PDF is downloaded, never shown

    @property
    def cache_control(self) -> str:
        return f"public, max-age={self.max_age}" if self.public else "private, no-store"

    def disposition(self, relpath: str) -> str:
        name = self.download_name or relpath.rsplit("/", 1)[-1]
        kind = "attachment" if self.as_attachment else "inline"
        return f"{kind}; filename*=UTF-8''{quote(name)}"


class LocalStorage:
    """Files under one folder (KP_MEDIA_ROOT). Symbolic links are never followed out of it."""

    name = "local"

    def __init__(self, root: str | Path, accel: str = ""):
        self.root = Path(root)
        self.accel = accel

    def path(self, relpath: str) -> Path:
        """The file of a stored path; anything unsafe or missing -> FileNotFoundError."""
        try:
            parts = safe_parts(relpath)
        except ValueError:
            raise FileNotFoundError(relpath) from None
        root = self.root.resolve()
        try:
            path = root.joinpath(*parts).resolve()  # resolve() defeats symlinks escaping root
            if not path.is_relative_to(root) or not path.is_file():
                raise FileNotFoundError(relpath)
        except OSError as exc:  # a name too long for the file system is simply not there
            raise FileNotFoundError(relpath) from exc
        return path

    def save(self, relpath: str, data: bytes, content_type: str) -> None:
        dest = self.root.joinpath(*safe_parts(relpath))
        dest.parent.mkdir(parents=True, exist_ok=True)
        # Temp file in the same directory + os.replace: readers never see half a file.
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; nginx must read it
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def open(self, relpath: str) -> Iterator[IO[bytes]]:
        with self.path(relpath).open("rb") as f:
            yield f

    def exists(self, relpath: str) -> bool:
        try:
            self.path(relpath)
        except FileNotFoundError:
            return False
        return True

    def delete(self, relpath: str) -> None:
        try:
            parts = safe_parts(relpath)
        except ValueError:
            return
        path = self.root.joinpath(*parts)
        if path.is_symlink() or not path.is_file():
            return  # never remove a link, nor anything that is not a regular file
        path.unlink(missing_ok=True)

    def files(self) -> Iterator[StoredFile]:
        """Every regular file, sorted by path; symlinks and temp files (".*") are skipped."""
        root = self.root
        if not root.is_dir() or root.is_symlink():
            return
        found = []
        for dirpath, _dirs, names in os.walk(root, followlinks=False):
            for name in names:
                path = Path(dirpath, name)
                if path.is_symlink() or not path.is_file() or name.startswith("."):
                    continue
                stat = path.lstat()
                found.append(
                    StoredFile(path.relative_to(root).as_posix(), stat.st_size, stat.st_mtime)
                )
        yield from sorted(found, key=lambda f: f.relpath)

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise OSError(f"media folder not writable: {self.root}")

    def serve(self, relpath: str, delivery: Delivery) -> Response:
        path = self.path(relpath)
        if self.accel:
            response = Response(mimetype=delivery.content_type)
            response.headers["X-Accel-Redirect"] = self.accel + "/".join(safe_parts(relpath))
        else:
            response = send_file(
                path,
                mimetype=delivery.content_type,
                as_attachment=delivery.as_attachment,
                download_name=delivery.download_name or path.name,
                max_age=delivery.max_age if delivery.public else 0,
            )
            response.headers.pop("Expires", None)
        response.headers["Content-Disposition"] = delivery.disposition(relpath)
        response.headers["Cache-Control"] = delivery.cache_control
        return response


class S3Storage:
    """Objects in one bucket of an S3-compatible store (AWS, MinIO, Ceph, moto). The bucket
    stays private: reads go through the app or a signed URL of a few minutes."""

    name = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        prefix: str = "",
        accel: str = "",
        url_seconds: int = 300,
    ):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.accel = accel
        self.url_seconds = url_seconds
        self.endpoint_url = endpoint_url
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region or "us-east-1",
            config=Config(
                signature_version="s3v4",
                # Path style works with every S3-compatible server and keeps the host of a
                # signed URL equal to the endpoint nginx forwards to.
                s3={"addressing_style": "path"},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    def key(self, relpath: str) -> str:
        return self.prefix + "/".join(safe_parts(relpath))

    def _missing(self, exc: Exception) -> bool:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        return code in {"404", "NoSuchKey", "NotFound"}

    def save(self, relpath: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self.key(relpath), Body=data, ContentType=content_type
        )

    @contextlib.contextmanager
    def open(self, relpath: str) -> Iterator[IO[bytes]]:
        from botocore.exceptions import ClientError

        try:
            key = self.key(relpath)
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except ValueError:
            raise FileNotFoundError(relpath) from None
        except ClientError as exc:
            if self._missing(exc):
                raise FileNotFoundError(relpath) from exc
            raise
        body = answer["Body"]
        try:
            yield body
        finally:
            body.close()

    def exists(self, relpath: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(relpath))
        except ValueError:
            return False
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def delete(self, relpath: str) -> None:
        try:
            key = self.key(relpath)
        except ValueError:
            return
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def files(self) -> Iterator[StoredFile]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                relpath = item["Key"][len(self.prefix) :]
                try:
                    safe_parts(relpath)
                except ValueError:
                    continue  # not ours (someone else's object under the prefix)
                yield StoredFile(relpath, item["Size"], item["LastModified"].timestamp())

    def check(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)

    def signed_url(self, relpath: str, delivery: Delivery) -> str:
        """A GET URL valid for `url_seconds`; the store answers with our headers."""
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self.key(relpath),
                "ResponseContentType": delivery.content_type,
                "ResponseCacheControl": delivery.cache_control,
                "ResponseContentDisposition": delivery.disposition(relpath),
            },
            ExpiresIn=self.url_seconds,
        )

    def serve(self, relpath: str, delivery: Delivery) -> Response:
        if self.accel:
            # No HEAD request first: nginx turns the store's 404 into ours.
            url = urlsplit(self.signed_url(relpath, delivery))
            response = Response(mimetype=delivery.content_type)
            # nginx's internal location forwards this path and query to the store.
            response.headers["X-Accel-Redirect"] = f"{self.accel}{url.path.lstrip('/')}?{url.query}"
        else:
            opened = self.open(relpath)
            body = opened.__enter__()  # FileNotFoundError here, before any header is sent

            def chunks():
                try:
                    yield from iter(lambda: body.read(_CHUNK), b"")
                finally:
                    opened.__exit__(None, None, None)

            response = Response(chunks(), mimetype=delivery.content_type, direct_passthrough=True)
        response.headers["Content-Disposition"] = delivery.disposition(relpath)
        response.headers["Cache-Control"] = delivery.cache_control
        return response


Storage = LocalStorage | S3Storage


def build(config) -> Storage:
    kind = config.get("KP_STORAGE", "local")
    if kind == "s3":
        return S3Storage(
            config["KP_S3_BUCKET"],
            endpoint_url=config.get("KP_S3_ENDPOINT_URL"),
            region=config.get("KP_S3_REGION"),
            prefix=config.get("KP_S3_PREFIX") or "",
            accel=config.get("KP_MEDIA_ACCEL") or "",
            url_seconds=int(config.get("KP_S3_URL_SECONDS") or 300),
        )
    return LocalStorage(config["KP_MEDIA_ROOT"], accel=config.get("KP_MEDIA_ACCEL") or "")


def init_app(app: Flask) -> None:
    app.extensions["kp_storage"] = build(app.config)


def storage(app: Flask | None = None) -> Storage:
    """The app's media storage (the folder or the bucket)."""
    return (app or current_app).extensions["kp_storage"]
