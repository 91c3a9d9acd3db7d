"""Access to logins and API tokens. Only administrators manage other logins; everyone manages their own tokens."""

from django.http import Http404

from turnabout.accounts.access import access_admin_organisation, access_organisation
from turnabout.accounts.models import User
from turnabout.identity.models import ApiToken, TokenKind


def access_login(user: User, login_id: int) -> User:
    """A person's login in the administrator's own organisation (service logins of tokens are not listed); 404 elsewhere."""
    organisation = access_admin_organisation(user)
    try:
        return User.objects.select_related("organisation", "person").get(pk=login_id, organisation=organisation, is_service_account=False)
    except User.DoesNotExist:
        raise Http404("No such login in your organisation.") from None


def access_own_token(user: User, token_id: int) -> ApiToken:
    """One of the user's personal tokens; anyone else's answers 404."""
    organisation = access_organisation(user)
    try:
        return ApiToken.objects.get(pk=token_id, organisation=organisation, kind=TokenKind.PERSONAL, user=user)
    except ApiToken.DoesNotExist:
        raise Http404("No such token of yours.") from None


def access_organisation_token(user: User, token_id: int) -> ApiToken:
    """An organisation token of the administrator's organisation; 404 elsewhere, 403 for other roles."""
    organisation = access_admin_organisation(user)
    try:
        return ApiToken.objects.get(pk=token_id, organisation=organisation, kind=TokenKind.ORGANISATION)
    except ApiToken.DoesNotExist:
        raise Http404("No such organisation token.") from None
