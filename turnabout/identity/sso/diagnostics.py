"""Failures of single sign-on in words an administrator can act on.

allauth and python3-saml report a failed sign-in as an error code, an exception or a terse reason; these functions
say what is wrong with the identity provider's configuration and where to fix it.

>>> explain_saml_failure("Signature validation failed. SAML Response rejected")[:49]
'The IdP certificate does not verify this response'
>>> print(explain_saml_failure("https://t.example/md/ is not a valid audience for this Response"))
The response is meant for another service provider: set the SP entity ID (audience) at the identity provider to https://t.example/md/.
>>> explain_oauth_failure("Error retrieving access token: b'{\\"error\\": \\"invalid_client\\"}'")[:78]
"The identity provider refused Turnabout's client id or secret (invalid_client)"
"""

import re
from collections.abc import Callable
from typing import cast

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Lazy, so that it is read in the language of the request that shows it; typed as the str it becomes when shown.
NOT_STARTED_HERE = cast(
    str,
    gettext_lazy(
        "Turnabout did not start this sign-in, or it took longer than ten minutes. Start again from Turnabout's sign-in page "
        "(sign-ins started at the identity provider, such as an app tile, are refused: set the tile's sign-on URL to Turnabout's)."
    ),
)

_SAML: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"Signature validation failed|Reference validation failed|signature is invalid", re.IGNORECASE),
        lambda match: _(
            "The IdP certificate does not verify this response: the identity provider signs with another key than the "
            "certificate in Turnabout's SAML settings. Paste the current metadata again (or give its URL)."
        ),
    ),
    (
        re.compile(r"No Signature found|is not signed and the SP require", re.IGNORECASE),
        lambda match: _(
            "The identity provider did not sign the assertion, and Turnabout accepts only signed assertions: "
            "set the identity provider to sign the assertion (or the response and the assertion)."
        ),
    ),
    (
        re.compile(r"(?P<expected>\S+) is not a valid audience for this Response"),
        lambda match: (
            _(
                "The response is meant for another service provider: set the SP entity ID (audience) at the identity provider "
                "to %(expected)s."
            )
            % {"expected": match["expected"]}
        ),
    ),
    (
        re.compile(r"The response was received at (?P<here>\S+) instead of (?P<there>\S+)"),
        lambda match: (
            _(
                "The response was addressed to %(there)s, but it arrived at %(here)s: set the reply (ACS) URL at the "
                "identity provider to the ACS URL shown in the single sign-on settings. "
                "Behind a reverse proxy, check SECURE_PROXY_SSL_HEADER."
            )
            % {"there": match["there"], "here": match["here"]}
        ),
    ),
    (
        re.compile(r"A valid SubjectConfirmation was not found", re.IGNORECASE),
        lambda match: _(
            "The assertion's recipient is not Turnabout's ACS URL, or its confirmation expired: set the reply (ACS) URL at the "
            "identity provider to the one shown in the single sign-on settings, and check both clocks."
        ),
    ),
    (
        re.compile(r"Could not validate timestamp: expired", re.IGNORECASE),
        lambda match: _(
            "The response has expired: it is older than its validity plus the 5 minutes of clock difference allowed. "
            "Check that the clocks of this server and the identity provider are right, then sign in again."
        ),
    ),
    (
        re.compile(r"Could not validate timestamp: not yet valid", re.IGNORECASE),
        lambda match: _("The response is not valid yet: the identity provider's clock is more than 5 minutes ahead of this server's."),
    ),
    (
        re.compile(r"Invalid issuer in the Assertion/Response \(expected (?P<expected>.+), got (?P<got>.+)\)"),
        lambda match: (
            _(
                "The response comes from %(got)s, not from the identity provider configured here (%(expected)s): "
                "paste the metadata of the identity provider you use."
            )
            % {"got": match["got"], "expected": match["expected"]}
        ),
    ),
    (
        re.compile(r"Deprecated (?:signature|digest) algorithm found: (?P<algorithm>\S+)"),
        lambda match: (
            _("The identity provider signs with a deprecated algorithm (%(algorithm)s): set it to sign with SHA-256.")
            % {"algorithm": match["algorithm"]}
        ),
    ),
    (
        re.compile(r"The status code of the Response was not Success, was (?P<status>.+)"),
        lambda match: (
            _("The identity provider refused the sign-in (%(status)s); its own sign-in log says why.") % {"status": match["status"].strip()}
        ),
    ),
]


def explain_saml_failure(reason: str) -> str:
    """What a python3-saml error reason means for the administrator."""
    for pattern, explain in _SAML:
        match = pattern.search(reason)
        if match:
            return explain(match)
    return _("The identity provider's response was refused: %(reason)s") % {"reason": reason}


# Keyed on the OAuth error code, which is matched in the provider's text and never translated.
_OAUTH_ERRORS = {
    "invalid_client": gettext_lazy(
        "The identity provider refused Turnabout's client id or secret (invalid_client): enter the current client secret "
        "in the single sign-on settings."
    ),
    "unauthorized_client": gettext_lazy(
        "The identity provider does not let this client use the authorization code flow (unauthorized_client)."
    ),
    "invalid_grant": gettext_lazy(
        "The identity provider refused the authorization code (invalid_grant): check that the redirect URI registered there "
        "is exactly the one shown in the single sign-on settings, then sign in again."
    ),
    "invalid_scope": gettext_lazy("The identity provider refused the scopes openid, email and profile (invalid_scope)."),
    "invalid_request": gettext_lazy("The identity provider refused the request (invalid_request); its own log says which parameter."),
    "unsupported_response_type": gettext_lazy(
        "The identity provider does not offer the authorization code flow (unsupported_response_type)."
    ),
    "server_error": gettext_lazy("The identity provider failed (server_error): try again later."),
    "temporarily_unavailable": gettext_lazy("The identity provider is temporarily unavailable: try again later."),
}


def explain_oauth_failure(text: str, *, description: str = "") -> str:
    """What an OAuth error code (from the callback, or inside allauth's OAuth2Error text) means for the administrator."""
    for code, meaning in _OAUTH_ERRORS.items():
        if code in text:
            return f"{meaning} ({description})" if description else str(meaning)
    if "id_token" in text.lower() or "Invalid" in text:
        return _("The identity provider's ID token did not verify (%(error)s): check the issuer URL and the client id.") % {
            "error": text[:200]
        }
    return _("Signing in with the identity provider failed: %(error)s") % {"error": text[:300]}
