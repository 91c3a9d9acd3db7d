from django.contrib.auth import views as auth_views
from django.urls import path

from turnabout.accounts import views

app_name = "accounts"

# Forgotten passwords: the sign-in page offers an emailed sign-in link (turnabout.identity), then "My account".
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
