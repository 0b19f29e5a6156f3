"""Where attachment bytes live: local disk by default, or an S3-compatible server.

    StorageError                 the backend failed or refused (status: HTTP status for S3)
    ├── InvalidKey (ValueError)  the key could escape its root or is not a plain name
    └── ObjectNotFound           nothing is stored under that key

Keys are chosen by the server (random tokens), never by the uploader, and are checked anyway:
letters, digits, ``-``, ``_``, ``.`` and ``/`` between segments; no empty, ``.``-leading or
absolute segments, no backslashes. The content type is kept by the caller's database row, not
by the storage (S3 receives it too, only as a convenience for people browsing the bucket).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import re
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol
from urllib.parse import parse_qsl, quote, urlsplit

import httpx

__all__ = [
    "CHUNK_SIZE",
    "InvalidKey",
    "LocalStorage",
    "ObjectNotFound",
    "S3Storage",
    "Storage",
    "StorageError",
    "make_storage",
    "sign_v4",
    "validate_key",
]

CHUNK_SIZE = 64 * 1024
MAX_KEY_LENGTH = 512
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_SEGMENT = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_\-.]*")

Data = bytes | AsyncIterable[bytes]


class StorageError(RuntimeError):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class InvalidKey(StorageError, ValueError):
    pass


class ObjectNotFound(StorageError):
    pass


class Storage(Protocol):
    async def put(self, key: str, data: Data, content_type: str) -> None:
        """Store ``data`` under ``key`` whole or not at all, replacing what was there."""

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """Chunks of the object; raises ObjectNotFound before the first chunk, so a caller
        can answer 404 before it starts a streaming response."""

    async def size(self, key: str) -> int: ...

    async def delete(self, key: str) -> None:
        """Idempotent: deleting a missing key is not an error."""

    async def exists(self, key: str) -> bool: ...

    async def aclose(self) -> None: ...


def validate_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"storage key must be 1..{MAX_KEY_LENGTH} characters")
    if "\\" in key or key.startswith("/"):
        raise InvalidKey(f"storage key {key!r} is absolute or has a backslash")
    for segment in key.split("/"):
        if not _SEGMENT.fullmatch(segment):  # also refuses "", "." and ".."
            raise InvalidKey(f"storage key {key!r} has a bad segment {segment!r}")
    return key


async def _aiter(data: Data) -> AsyncIterator[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        yield bytes(data)
    else:
        async for chunk in data:
            yield chunk


# --- local disk ------------------------------------------------------------------------------


class LocalStorage:
    """Files under ``root``, fanned out as ``ab/cd/<key>`` by the key's SHA-256 so that no
    directory grows past a few thousand entries whatever the key scheme."""

    def __init__(self, root: Path, chunk_size: int = CHUNK_SIZE) -> None:
        self.root = Path(root).absolute()
        self.chunk_size = chunk_size

    def path(self, key: str) -> Path:
        """The file for ``key`` (it may not exist): for a sendfile-style response."""
        validate_key(key)
        digest = hashlib.sha256(key.encode()).hexdigest()
        path = self.root / digest[:2] / digest[2:4] / key
        if not Path(os.path.normpath(path)).is_relative_to(self.root):  # belt and braces
            raise InvalidKey(f"storage key {key!r} leaves the storage root")
        return path

    async def put(self, key: str, data: Data, content_type: str = "") -> None:
        path = self.path(key)
        tmp, f = await asyncio.to_thread(_open_temp, path)
        try:
            async for chunk in _aiter(data):
                await asyncio.to_thread(f.write, chunk)
            await asyncio.to_thread(_commit, f, tmp, path)
        except BaseException:
            f.close()
            tmp.unlink(missing_ok=True)
            raise

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self.path(key)
        try:
            f = await asyncio.to_thread(path.open, "rb")
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(f"no object {key!r}") from None
        return self._chunks(f)

    async def _chunks(self, f: IO[bytes]) -> AsyncIterator[bytes]:
        try:
            while chunk := await asyncio.to_thread(f.read, self.chunk_size):
                yield chunk
        finally:
            f.close()

    async def size(self, key: str) -> int:
        path = self.path(key)
        try:
            return (await asyncio.to_thread(path.stat)).st_size
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(f"no object {key!r}") from None

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path(key).is_file)

    async def aclose(self) -> None:
        return None


def _open_temp(path: Path) -> tuple[Path, IO[bytes]]:
    # The temporary file sits beside the target so the final rename stays on one filesystem;
    # its name starts with "." which no valid key segment does.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    return Path(name), os.fdopen(fd, "wb")


def _commit(f: IO[bytes], tmp: Path, path: Path) -> None:
    f.flush()
    os.fsync(f.fileno())
    f.close()
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    # Durable before acknowledged: the rename itself must reach the disk.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# --- S3-compatible servers -------------------------------------------------------------------


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sign_v4(
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload_sha256: str,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    service: str = "s3",
    now: datetime | None = None,
) -> dict[str, str]:
    """AWS Signature Version 4 in the Authorization header.

    ``url`` must already be percent-encoded exactly as it goes on the wire (S3 signs the path
    as sent, without normalizing it). Returns ``headers`` plus Host, X-Amz-Date,
    X-Amz-Content-Sha256 and Authorization; every header passed in is signed.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    parts = urlsplit(url)
    out = dict(headers)
    out["host"] = parts.netloc
    out["x-amz-date"] = amz_date
    out["x-amz-content-sha256"] = payload_sha256

    canonical_headers = sorted(
        (name.lower().strip(), " ".join(value.split())) for name, value in out.items()
    )
    signed_headers = ";".join(name for name, _ in canonical_headers)
    query = sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~"))
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    canonical_request = "\n".join([
        method.upper(),
        parts.path or "/",
        "&".join(f"{k}={v}" for k, v in query),
        "".join(f"{name}:{value}\n" for name, value in canonical_headers),
        signed_headers,
        payload_sha256,
    ])
    scope = f"{day}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join([
        "AWS4-HMAC-SHA256",
        amz_date,
        scope,
        hashlib.sha256(canonical_request.encode()).hexdigest(),
    ])
    key = _hmac(f"AWS4{secret_key}".encode(), day)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    out["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return out


class S3Storage:
    """Objects in one bucket of an S3-compatible server (MinIO, Ceph, Garage, AWS …), addressed
    path-style as ``{endpoint}/{bucket}/{key}`` so any DNS name or IP address works."""

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        region: str = "us-east-1",
        *,
        timeout: float = 60.0,
        chunk_size: int = CHUNK_SIZE,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]", bucket):
            raise ValueError(f"not an S3 bucket name: {bucket!r}")
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.chunk_size = chunk_size
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport)

    def _url(self, key: str | None) -> str:
        if key is None:
            return f"{self.endpoint}/{self.bucket}"
        return f"{self.endpoint}/{self.bucket}/{quote(validate_key(key), safe='/-_.~')}"

    async def _send(
        self,
        method: str,
        key: str | None,
        *,
        content: bytes | AsyncIterable[bytes] = b"",
        payload_sha256: str = EMPTY_SHA256,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        url = self._url(key)
        signed = sign_v4(
            method, url, headers or {}, payload_sha256,
            access_key=self.access_key, secret_key=self.secret_key, region=self.region,
        )
        request = self._client.build_request(method, url, content=content, headers=signed)
        try:
            response = await self._client.send(request, stream=stream)
        except httpx.HTTPError as exc:
            raise StorageError(f"S3 {method} {url}: {exc}") from exc
        if response.status_code == 404 and key is not None:
            await response.aclose()
            raise ObjectNotFound(f"no object {key!r}", 404)
        if response.status_code >= 300:
            body = await response.aread()
            await response.aclose()
            found = re.search(rb"<Code>([^<]*)</Code>", body)
            code = found.group(1).decode(errors="replace") if found else ""
            raise StorageError(
                f"S3 {method} {url} answered {response.status_code} {code}".rstrip(),
                response.status_code,
            )
        return response

    async def create_bucket(self) -> None:
        """Create the bucket; fine if this account already owns it."""
        body = b""
        if self.region != "us-east-1":
            body = (
                '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                f"<LocationConstraint>{self.region}</LocationConstraint>"
                "</CreateBucketConfiguration>"
            ).encode()
        try:
            await self._send("PUT", None, content=body,
                             payload_sha256=hashlib.sha256(body).hexdigest())
        except StorageError as exc:
            if exc.status != 409 or "BucketAlreadyOwnedByYou" not in str(exc):
                raise

    async def put(self, key: str, data: Data, content_type: str = "application/octet-stream"
                  ) -> None:
        self._url(key)  # refuse a bad key before reading any data
        headers = {"content-type": content_type}
        if isinstance(data, bytes | bytearray | memoryview):
            body = bytes(data)
            await self._send("PUT", key, content=body, headers=headers,
                             payload_sha256=hashlib.sha256(body).hexdigest())
            return
        # A signed single PUT needs the length and the hash up front, so the stream is spooled
        # first (to memory while small, then to a temporary file).
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
            digest, length = hashlib.sha256(), 0
            async for chunk in data:
                digest.update(chunk)
                length += len(chunk)
                await asyncio.to_thread(spool.write, chunk)
            spool.seek(0)
            headers["content-length"] = str(length)
            await self._send("PUT", key, content=self._read_chunks(spool), headers=headers,
                             payload_sha256=digest.hexdigest())

    async def _read_chunks(self, f: IO[bytes]) -> AsyncIterator[bytes]:
        while chunk := await asyncio.to_thread(f.read, self.chunk_size):
            yield chunk

    async def open(self, key: str) -> AsyncIterator[bytes]:
        response = await self._send("GET", key, stream=True)
        return self._body(response)

    async def _body(self, response: httpx.Response) -> AsyncIterator[bytes]:
        try:
            async for chunk in response.aiter_raw(self.chunk_size):
                yield chunk
        finally:
            await response.aclose()

    async def size(self, key: str) -> int:
        response = await self._send("HEAD", key)
        return int(response.headers["content-length"])

    async def delete(self, key: str) -> None:
        await self._send("DELETE", key)

    async def exists(self, key: str) -> bool:
        try:
            await self._send("HEAD", key)
        except ObjectNotFound:
            return False
        return True

    async def aclose(self) -> None:
        await self._client.aclose()


def make_storage(settings: object) -> Storage:
    """The storage the settings ask for: ``storage_backend`` is "local" (``storage_dir``) or
    "s3" (``s3_endpoint``, ``s3_region``, ``s3_bucket``, ``s3_access_key``, ``s3_secret_key``)."""
    backend = getattr(settings, "storage_backend", "local")
    if backend == "local":
        return LocalStorage(Path(getattr(settings, "storage_dir", Path("./var/files"))))
    if backend == "s3":
        s3 = {name: getattr(settings, f"s3_{name}", "") or "" for name in
              ("endpoint", "bucket", "access_key", "secret_key", "region")}
        missing = [f"PARTA_S3_{name.upper()}" for name, value in s3.items()
                   if not value and name != "region"]
        if missing:
            raise ValueError("PARTA_STORAGE_BACKEND=s3 needs " + ", ".join(missing))
        return S3Storage(s3["endpoint"], s3["bucket"], s3["access_key"], s3["secret_key"],
                         s3["region"] or "us-east-1")
    raise ValueError(f"unknown storage backend {backend!r}")
