"""The claims the test provider releases: email, whether it is verified, names and groups."""

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

UNVERIFIED = "_email_unverified"


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "profile"}

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        names = list(user.groups.values_list("name", flat=True))
        return {
            "email": user.email,
            "email_verified": UNVERIFIED not in names,
            "name": user.get_full_name(),
            "given_name": user.first_name,
            "family_name": user.last_name,
            "groups": [name for name in names if name != UNVERIFIED],
        }
