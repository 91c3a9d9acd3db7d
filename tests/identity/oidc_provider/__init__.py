"""A real OpenID Connect provider for the single sign-on tests, as a second live server on 127.0.0.1.

django-oauth-toolkit with its OIDC support, in a small Django project of its own (``settings.py``, ``urls.py``),
migrated into its own SQLite file and served by ``runserver`` in a subprocess on a free port. Tests register
clients and people through its set-up endpoint and sign in at its login page, like a person would.

Use the ``oidc_provider`` fixture (session-scoped: one provider per test process):

    from tests.identity.oidc_provider import oidc_provider as oidc_provider  # the fixture
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

REPOSITORY = Path(__file__).resolve().parents[3]
SETTINGS = "tests.identity.oidc_provider.settings"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OidcProvider:
    """The provider process: ``issuer`` is its issuer URL; ``register`` and ``add_person`` set it up."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.setup_token = secrets.token_urlsafe(16)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
        self.environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "PYTHONPATH": str(REPOSITORY),
            "OIDC_PROVIDER_DB": str(directory / "provider.sqlite3"),
            "OIDC_PROVIDER_RSA_KEY": pem,
            "OIDC_PROVIDER_SETUP_TOKEN": self.setup_token,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log = directory / "provider.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/o"

    def start(self) -> None:
        django_admin = [sys.executable, "-m", "django"]
        subprocess.run([*django_admin, "migrate", "--no-input", "-v", "0"], env=self.environment, cwd=REPOSITORY, check=True)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*django_admin, "runserver", f"127.0.0.1:{self.port}", "--noreload", "--skip-checks"],
                env=self.environment,
                cwd=REPOSITORY,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The OIDC provider exited early:\n{self.log.read_text()}")
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"The OIDC provider did not answer within 30 s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None

    def _set_up(self, body: dict[str, object]) -> None:
        response = requests.post(f"{self.base_url}/test-setup/", json=body, headers={"X-Setup-Token": self.setup_token}, timeout=10)
        response.raise_for_status()

    def register(self, *, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        """Register (or update) a confidential client using the authorization code flow."""
        self._set_up({"clients": [{"client_id": client_id, "client_secret": client_secret, "redirect_uris": redirect_uris}]})

    def add_person(self, *, email: str, password: str, name: str = "", groups: tuple[str, ...] = (), email_verified: bool = True) -> None:
        """An account at the provider (its username is the email)."""
        person = {"email": email, "password": password, "name": name, "groups": list(groups), "email_verified": email_verified}
        self._set_up({"users": [person]})

    def authorize(self, authorize_url: str, *, email: str, password: str) -> str:
        """Sign in at the provider as a browser would and return where it sends the browser back (the callback URL)."""
        browser = requests.Session()
        response = browser.get(authorize_url, allow_redirects=False, timeout=10)
        if response.status_code == 302 and "/login/" in response.headers["Location"]:
            login_url = urljoin(self.base_url, response.headers["Location"])
            page = browser.get(login_url, timeout=10)
            token = unescape(CSRF.search(page.text).group(1))  # type: ignore[union-attr]
            next_path = login_url.split("next=", 1)[1]
            signed_in = browser.post(
                f"{self.base_url}/login/",
                data={"username": email, "password": password, "csrfmiddlewaretoken": token, "next": unquote(next_path)},
                headers={"Referer": login_url},
                allow_redirects=False,
                timeout=10,
            )
            assert signed_in.status_code == 302, f"the provider refused {email}'s password"
            response = browser.get(urljoin(self.base_url, signed_in.headers["Location"]), allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    provider = OidcProvider(tmp_path_factory.mktemp("oidc-provider"))
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()
