"""SCIM 2.0 provisioning (RFC 7643/7644) at /scim/v2/: identity providers create, change and deprovision people of
the directory with the organisation's SCIM token. See docs/sso-scim.md.

``resources`` (the published User and discovery), ``queries`` (who a token sees, SCIM filters as SQL),
``services`` (the token, and every change to people), ``views`` (the protocol and the administrators' page).
"""
