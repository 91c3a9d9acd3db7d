from typing import Any

from django.contrib.auth import views as auth_views

from turnabout.accounts.forms import ThrottledLoginForm
from turnabout.accounts.models import Organisation


class LoginView(auth_views.LoginView):
    form_class = ThrottledLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # An empty install has nobody to sign in: point to the first-run page instead.
        return {**super().get_context_data(**kwargs), "needs_first_run": not Organisation.objects.exists()}
