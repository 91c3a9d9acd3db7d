"""Single sign-on's routes, included once at /sso/ (turnabout/urls.py).

Our pages live in the ``sso`` namespace; allauth's protocol views keep their own names (allauth reverses them):
``/sso/oidc/<slug>/login/`` and ``…/login/callback/`` (OpenID Connect), ``/sso/saml/<slug>/login/``, ``…/acs/``,
``…/acs/finish/``, ``…/metadata/`` and ``…/sls/`` (SAML). allauth's account pages (its own password sign-in and
signup) are deliberately not routed.
"""

from django.urls import include, path

from turnabout.identity.sso import views

sso_patterns = [
    path("", views.discover, name="discover"),
    path("for/<slug:slug>/", views.organisation_sign_in, name="organisation"),
]

urlpatterns = [
    path("", include((sso_patterns, "sso"))),
    path("", include("allauth.socialaccount.providers.openid_connect.urls")),
    path("", include("allauth.socialaccount.providers.saml.urls")),
]
