from django.urls import path

from turnabout.identity import views
from turnabout.identity.sso import views as sso_views

app_name = "identity"

urlpatterns = [
    path("setup/", views.setup, name="setup"),
    path("accounts/link/", views.request_link, name="request_link"),
    path("accounts/link/<str:token>/", views.redeem_link, name="redeem_link"),
    path("account/", views.my_account, name="my_account"),
    path("account/tokens/", views.create_personal_token, name="create_personal_token"),
    path("account/tokens/<int:token_id>/revoke/", views.revoke_personal_token, name="revoke_personal_token"),
    path("users/", views.users, name="users"),
    path("users/audit/", views.audit, name="audit"),
    path("users/tokens/", views.api_tokens, name="api_tokens"),
    path("users/sso/", sso_views.sso_settings, name="sso_settings"),
    path("users/tokens/<int:token_id>/revoke/", views.revoke_organisation_token, name="revoke_organisation_token"),
    path("users/<int:login_id>/", views.user_detail, name="user"),
    path("users/<int:login_id>/<str:action>/", views.user_action, name="user_action"),
]
