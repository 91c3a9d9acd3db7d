import logging
from typing import Any

from django.contrib.auth import views as auth_views
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpResponse

from turnabout.accounts.forms import ThrottledLoginForm
from turnabout.accounts.http import client_address
from turnabout.accounts.models import Organisation, SignInMethod
from turnabout.accounts.services import record_sign_in, record_sign_in_failure
from turnabout.core.logging import pseudonym

security_logger = logging.getLogger("turnabout.security")


class LoginView(auth_views.LoginView):
    form_class = ThrottledLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # An empty install has nobody to sign in: point to the first-run page instead.
        return {**super().get_context_data(**kwargs), "needs_first_run": not Organisation.objects.exists()}

    def form_valid(self, form: ThrottledLoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        record_sign_in(user=form.get_user(), method=SignInMethod.PASSWORD, ip_address=client_address(self.request))
        return response

    def form_invalid(self, form: ThrottledLoginForm) -> HttpResponse:  # type: ignore[override]
        # A wrong password (or a deactivated login) is audited; a throttled attempt checked no password at all.
        email = form.cleaned_data.get("username") or ""
        if email and form.has_error(NON_FIELD_ERRORS, code="invalid_login"):
            audited = record_sign_in_failure(
                email=email,
                method=SignInMethod.PASSWORD,
                reason="wrong password or deactivated login",
                ip_address=client_address(self.request),
            )
            # The audit entry logs itself on turnabout.audit; a guess at an unknown address is only logged here.
            if not audited:
                security_logger.info("sign-in refused", extra={"reason": "unknown_address", "email_pseudonym": pseudonym(email)})
        elif email and form.has_error(NON_FIELD_ERRORS, code="throttled"):
            security_logger.warning("sign-in refused", extra={"reason": "throttled", "email_pseudonym": pseudonym(email)})
        return super().form_invalid(form)
