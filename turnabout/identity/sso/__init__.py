"""Single sign-on: OpenID Connect and SAML 2.0 per organisation, run by django-allauth (docs/adr/0007-sso-library.md).

allauth speaks the protocols; this package decides who gets in. ``services`` configures an organisation's identity
provider and turns a verified sign-in into the directory person's login (never a new stray account), ``policy``
says who may still use passwords and emailed links when an organisation signs in only with SSO, ``adapters`` and
``providers`` plug both into allauth, and ``apps`` builds allauth's per-organisation ``SocialApp`` from
``identity.IdentityProvider`` without storing it twice.
"""
