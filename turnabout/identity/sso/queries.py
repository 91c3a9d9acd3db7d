"""Reads of single sign-on: which identity provider a person signs in through."""

from turnabout.accounts.models import Organisation
from turnabout.identity.models import IdentityProvider, SsoEmailDomain


def identity_provider_of(organisation: Organisation) -> IdentityProvider | None:
    """The organisation's identity provider, configured or not, with its domains."""
    return (
        IdentityProvider.objects.select_related("break_glass_admin").prefetch_related("domains").filter(organisation=organisation).first()
    )


def find_identity_provider(*, email: str = "", organisation_slug: str = "") -> IdentityProvider | None:
    """The enabled identity provider for an email's domain, or for an organisation's slug (also typed in the email box).

    One query; never says whether an address has a login, only whether its domain (or organisation) uses single sign-on.
    """
    query = email.strip().lower()
    if "@" in query:
        domain = SsoEmailDomain.objects.select_related("identity_provider__organisation").filter(
            domain=query.rpartition("@")[2], identity_provider__is_enabled=True
        )
        found = domain.first()
        return found.identity_provider if found is not None else None
    slug = organisation_slug.strip().lower() or query
    if not slug:
        return None
    return IdentityProvider.objects.select_related("organisation").filter(organisation__slug=slug, is_enabled=True).first()
