from django.urls import path

from turnabout.personal_data import views

app_name = "personal_data"

# Mounted under /people/ beside the directory's own pages (turnabout/urls.py).
urlpatterns = [
    path("me/privacy/my-data.json", views.download_my_data, name="download_my_data"),
    path("me/language/", views.my_language, name="my_language"),
    path("<int:person_id>/erase/", views.erase, name="erase"),
]
