"""Encryption at rest for identity-provider secrets (the OIDC client secret).

Fernet (AES-128-CBC with HMAC-SHA256) under a key derived from SECRET_KEY with HKDF, so nothing else needs
configuring; keys derived from SECRET_KEY_FALLBACKS still decrypt, so rotating SECRET_KEY the Django way keeps
stored secrets readable until they are saved again.

>>> decrypt_secret(encrypt_secret("s3cret")) == "s3cret"
True
>>> encrypt_secret("s3cret") != encrypt_secret("s3cret")  # a fresh IV each time
True
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from turnabout.identity.sso.errors import SecretUnreadable

_SALT = b"turnabout.identity.sso"
_INFO = b"identity-provider-secret"


def _fernet_for(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(key) for key in keys])


def encrypt_secret(plain: str) -> str:
    """The stored form of ``plain``: a Fernet token under the current SECRET_KEY."""
    return _fernet().encrypt(plain.encode()).decode()


def decrypt_secret(token: str) -> str:
    """The secret in ``token``; SecretUnreadable when no current or fallback SECRET_KEY encrypted it."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "The stored client secret cannot be decrypted: SECRET_KEY changed since it was saved. "
            "Enter the client secret again in the single sign-on settings."
        ) from None
