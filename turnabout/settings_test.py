"""Test settings: the production module with a fast hasher and in-memory email."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("TURNABOUT_DEMO", "true")
os.environ.setdefault("EMAIL_URL", "locmem://")

from turnabout.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
