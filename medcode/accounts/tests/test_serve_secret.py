"""`medcode serve` never signs with a published key: a link forged with the old public key is refused."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import secret
from medcode.cli import serve

REPO = Path(__file__).resolve().parents[3]
ADMIN = "admin@example.org"
ATTACKER = "attacker@example.net"

# Run in the served instance's own settings (a child process): create a superuser, then forge the
# links an attacker who knows the old public key would make for it, in the old and the new format.
FORGE = f"""
import json
from django.contrib.auth import get_user_model
from django.core import signing
from django.test import override_settings
from config.secret import LEGACY_DEVELOPMENT_KEY
from medcode.accounts import services
User = get_user_model()
admin = User.objects.create_superuser(username="{ADMIN}", email="{ADMIN}", password="a long admin passphrase 8")
with override_settings(SECRET_KEY=LEGACY_DEVELOPMENT_KEY):
    old = signing.dumps({{"u": admin.pk, "e": "{ATTACKER}"}}, salt="medcode.accounts.verify-email", compress=True)
    new = services.verification_token(user=admin, email="{ATTACKER}")
print(json.dumps({{"old": old, "new": new}}))
"""
EMAIL_OF_ADMIN = (
    f"from django.contrib.auth import get_user_model; print(get_user_model().objects.get(username='{ADMIN}').email)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _get(url: str) -> tuple[int, dict[str, str]]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


@pytest.fixture
def instance_env(default_codebook: Path, tmp_path: Path) -> dict[str, str]:
    """The environment of `make serve` on a fresh data directory: local settings, no DJANGO_SECRET_KEY."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "MEDCODE_DATA_DIR": str(tmp_path / "data"),
        "MEDCODE_CODEBOOK_DIR": str(default_codebook.parent),
        "MEDCODE_EMBEDDING_MODEL_DIR": str(tmp_path / "no-model"),  # no background embedding job
        "MEDCODE_WORKERS": "1",
        "PYTHONPATH": str(REPO),
    }
    for name in ("DJANGO_SECRET_KEY", "DATABASE_URL", "DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    return env


@pytest.fixture
def public_server(instance_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`medcode serve --host 0.0.0.0` on a free port, reached on 127.0.0.1; stopped at the end."""
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "medcode.cli.main", "serve", "--host", "0.0.0.0", "--port", str(port)],  # noqa: S104
            cwd=REPO,
            env=instance_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            if process.poll() is not None:
                pytest.fail(f"medcode serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                _get(base + "/account/login/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"medcode serve did not answer within 240 s:\n{log.read_text()}")
                time.sleep(0.5)
        yield base, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def _manage(env: dict[str, str], code: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # the last line: the shell may first say what it imported


def test_a_link_forged_with_the_old_public_key_fails_on_a_public_server(
    public_server: tuple[str, Path], instance_env: dict[str, str]
) -> None:
    base, log = public_server
    forged = json.loads(_manage(instance_env, FORGE))
    for token in (forged["old"], forged["new"]):
        status, headers = _get(f"{base}/account/verify/{token}/")
        assert status == 400, f"a forged link answered {status} {headers.get('Location', '')}"
        assert "sessionid" not in headers.get("Set-Cookie", "")
    assert _manage(instance_env, EMAIL_OF_ADMIN) == ADMIN
    key_file = Path(instance_env["MEDCODE_DATA_DIR"]) / secret.KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert log.read_text().count(f"Generated a secret key for this instance in {key_file}") == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"DJANGO_DEBUG": "true"}, serve.MSG_DEBUG_PUBLIC.format(host="0.0.0.0")),  # noqa: S104
        ({"DJANGO_SECRET_KEY": secret.LEGACY_DEVELOPMENT_KEY}, serve.MSG_PUBLIC_KEY),
    ],
)
def test_serve_refuses_debug_pages_on_a_public_address_and_a_published_key(
    instance_env: dict[str, str], extra: dict[str, str], message: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "medcode.cli.main", "serve", "--host", "0.0.0.0", "--port", str(_free_port())],  # noqa: S104
        cwd=REPO,
        env={**instance_env, **extra},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_loopback_addresses() -> None:
    assert all(serve.is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"))
    assert not any(serve.is_loopback(h) for h in ("0.0.0.0", "::", "192.0.2.7", "example.org"))  # noqa: S104


def test_the_instance_key_is_generated_once_private_and_reused(tmp_path: Path) -> None:
    first = secret.instance_key(tmp_path / "data")
    again = secret.instance_key(tmp_path / "data")
    assert first.created and not again.created and first.key == again.key and len(first.key) >= 64
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert first.key not in secret.PUBLIC_KEYS and list((tmp_path / "data").iterdir()) == [first.path]
    first.path.chmod(0o644)
    with pytest.raises(ImproperlyConfigured, match="chmod 600"):
        secret.instance_key(tmp_path / "data")


def test_consults_stored_under_the_old_public_key_stay_readable_and_new_ones_use_the_instances_key(
    settings: Any, tmp_path: Path
) -> None:
    import base64
    import hashlib

    from cryptography.fernet import Fernet, InvalidToken

    from medcode.consult import crypto

    settings.MEDCODE_CONSULT_KEYS = []
    settings.SECRET_KEY = secret.instance_key(tmp_path).key
    legacy = Fernet(
        base64.urlsafe_b64encode(hashlib.sha256(f"medcode-consult:{secret.LEGACY_DEVELOPMENT_KEY}".encode()).digest())
    )
    assert crypto.decrypt(legacy.encrypt(b"stored before the upgrade").decode()) == b"stored before the upgrade"
    with pytest.raises(InvalidToken):
        legacy.decrypt(crypto.encrypt(b"stored after the upgrade").encode())
