"""Attachment bytes on local disk and on an S3-compatible server (moto, on loopback)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from parta.services.storage import (
    InvalidKey,
    LocalStorage,
    ObjectNotFound,
    S3Storage,
    StorageError,
    make_storage,
    sign_v4,
    validate_key,
)

PHOTO = b"\xff\xd8\xff" + bytes(range(256)) * 1000  # a class photo's worth of bytes


async def _read(storage: LocalStorage | S3Storage, key: str) -> bytes:
    return b"".join([chunk async for chunk in await storage.open(key)])


async def _chunks(*parts: bytes, fail: bool = False) -> AsyncIterator[bytes]:
    for part in parts:
        yield part
    if fail:
        raise ConnectionResetError("the parent's phone lost its connection mid-upload")


# --- keys ------------------------------------------------------------------------------------

BAD_KEYS = ["", "../etc/passwd", "a/../../b", "/etc/passwd", "a\\b", "..\\win.ini", ".", "..",
            "a//b", "a/./b", ".hidden", "a/.tmp-1", "a/", "photo\x00.jpg", "фото.jpg",
            "x" * 513]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_keys_that_could_leave_the_root_are_refused(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path / "files")
    with pytest.raises(InvalidKey):
        await storage.put(key, b"x", "text/plain")
    with pytest.raises(InvalidKey):
        await storage.open(key)
    with pytest.raises(InvalidKey):
        await storage.delete(key)
    assert list(tmp_path.rglob("*")) == []


def test_server_made_keys_are_fine() -> None:
    for key in ("a1b2c3", "org7/chat12/9f86d081.jpg", "thumb/9f86d081.webp", "A_b-c.d"):
        assert validate_key(key) == key


# --- local disk ------------------------------------------------------------------------------


async def test_local_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path, chunk_size=4096)
    key = "org1/chat5/class-photo.jpg"
    assert not await storage.exists(key)

    await storage.put(key, PHOTO, "image/jpeg")

    assert await storage.exists(key)
    assert await storage.size(key) == len(PHOTO)
    assert await _read(storage, key) == PHOTO
    # Fanned out by the key's hash, the key itself below that.
    path = storage.path(key)
    assert path.relative_to(tmp_path).parts[2:] == ("org1", "chat5", "class-photo.jpg")
    assert all(re.fullmatch(r"[0-9a-f]{2}", p) for p in path.relative_to(tmp_path).parts[:2])

    await storage.delete(key)
    assert not await storage.exists(key)
    await storage.delete(key)  # deleting twice is fine
    with pytest.raises(ObjectNotFound):
        await storage.open(key)
    with pytest.raises(ObjectNotFound):
        await storage.size(key)


async def test_local_put_from_a_stream_replaces_the_old_object(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    await storage.put("homework.pdf", b"old", "application/pdf")
    await storage.put("homework.pdf", _chunks(b"new ", b"version"), "application/pdf")
    assert await _read(storage, "homework.pdf") == b"new version"


async def test_a_failed_upload_leaves_no_partial_file(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    with pytest.raises(ConnectionResetError):
        await storage.put("voice.ogg", _chunks(b"OggS", b"half a message", fail=True), "audio/ogg")
    assert not await storage.exists("voice.ogg")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []

    # Replacing an existing object fails whole too: the old bytes stay.
    await storage.put("voice.ogg", b"first message", "audio/ogg")
    with pytest.raises(ConnectionResetError):
        await storage.put("voice.ogg", _chunks(b"second", fail=True), "audio/ogg")
    assert await _read(storage, "voice.ogg") == b"first message"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["voice.ogg"]


def test_make_storage_reads_the_settings(tmp_path: Path) -> None:
    local = make_storage(SimpleNamespace(storage_backend="local", storage_dir=tmp_path))
    assert isinstance(local, LocalStorage) and local.root == tmp_path
    assert isinstance(make_storage(SimpleNamespace()), LocalStorage)
    with pytest.raises(ValueError, match="PARTA_S3_BUCKET"):
        make_storage(SimpleNamespace(storage_backend="s3", s3_endpoint="http://127.0.0.1:9000"))
    s3 = make_storage(SimpleNamespace(
        storage_backend="s3", s3_endpoint="http://127.0.0.1:9000/", s3_region="",
        s3_bucket="parta-files", s3_access_key="AK", s3_secret_key="SK"))
    assert isinstance(s3, S3Storage)
    assert (s3.endpoint, s3.bucket, s3.region) == ("http://127.0.0.1:9000", "parta-files",
                                                   "us-east-1")
    with pytest.raises(ValueError):
        make_storage(SimpleNamespace(storage_backend="ftp"))


# --- SigV4 -----------------------------------------------------------------------------------


def test_signature_matches_the_aws_documentation_example() -> None:
    # "GET Object" from AWS's S3 SigV4 header-signing examples (bytes 0-9 of test.txt).
    headers = sign_v4(
        "GET", "https://examplebucket.s3.amazonaws.com/test.txt", {"Range": "bytes=0-9"},
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        access_key="AKIAIOSFODNN7EXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region="us-east-1", now=datetime(2013, 5, 24, tzinfo=UTC),
    )
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
    assert headers["x-amz-date"] == "20130524T000000Z"


# --- S3 against moto -------------------------------------------------------------------------

REGION = "us-east-1"
S3_POLICY = ('{"Version": "2012-10-17", "Statement": '
             '[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}')


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server_mod = pytest.importorskip("moto.server")
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        yield endpoint
    finally:
        httpx.post(f"{endpoint}/moto-api/reset-auth", content=b"inf")
        httpx.post(f"{endpoint}/moto-api/reset")
        server.stop()


def _iam(endpoint: str, **params: str) -> str:
    """One IAM query-API call, signed by our own SigV4 (moto routes it by the signed scope)."""
    body = str(httpx.QueryParams({**params, "Version": "2010-05-08"})).encode()
    headers = sign_v4("POST", f"{endpoint}/",
                      {"content-type": "application/x-www-form-urlencoded"},
                      hashlib.sha256(body).hexdigest(), access_key="AKIAIOSFODNN7EXAMPLE",
                      secret_key="setup", region=REGION, service="iam")
    response = httpx.post(f"{endpoint}/", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.text


@pytest.fixture(scope="module")
def s3_credentials(moto_endpoint: str) -> tuple[str, str]:
    """A moto IAM user allowed s3:*, then signature checking switched on for every request."""
    _iam(moto_endpoint, Action="CreateUser", UserName="parta")
    _iam(moto_endpoint, Action="PutUserPolicy", UserName="parta", PolicyName="files",
         PolicyDocument=S3_POLICY)
    created = _iam(moto_endpoint, Action="CreateAccessKey", UserName="parta")
    access = re.search(r"<AccessKeyId>([^<]+)</AccessKeyId>", created)
    secret = re.search(r"<SecretAccessKey>([^<]+)</SecretAccessKey>", created)
    assert access and secret
    httpx.post(f"{moto_endpoint}/moto-api/reset-auth", content=b"0").raise_for_status()
    return access.group(1), secret.group(1)


async def test_s3_round_trip_with_checked_signatures(
    moto_endpoint: str, s3_credentials: tuple[str, str]
) -> None:
    access, secret = s3_credentials
    storage = S3Storage(moto_endpoint, "parta-files", access, secret, REGION, chunk_size=4096)
    try:
        await storage.create_bucket()
        await storage.create_bucket()  # already ours: fine
        key = "org1/chat5/class-photo.jpg"
        assert not await storage.exists(key)

        await storage.put(key, PHOTO, "image/jpeg")
        assert await storage.exists(key)
        assert await storage.size(key) == len(PHOTO)
        assert await _read(storage, key) == PHOTO

        await storage.put("voice.ogg", _chunks(b"OggS", b" from a stream"), "audio/ogg")
        assert await _read(storage, "voice.ogg") == b"OggS from a stream"

        await storage.delete(key)
        assert not await storage.exists(key)
        with pytest.raises(ObjectNotFound):
            await storage.open(key)
        with pytest.raises(InvalidKey):
            await storage.put("../other-bucket/x", b"x", "text/plain")
    finally:
        await storage.aclose()


async def test_s3_refuses_a_wrong_secret_key(
    moto_endpoint: str, s3_credentials: tuple[str, str]
) -> None:
    access, _ = s3_credentials
    intruder = S3Storage(moto_endpoint, "parta-files", access, "not-the-secret", REGION)
    try:
        with pytest.raises(StorageError) as refused:
            await intruder.put("note.txt", b"hello", "text/plain")
        assert refused.value.status == 403
        assert "SignatureDoesNotMatch" in str(refused.value)
    finally:
        await intruder.aclose()
