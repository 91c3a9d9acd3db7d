# The provider's own modules run only in its subprocess (its settings install oauth2_provider): the test run's
# doctest collection must not import them.
collect_ignore = ["settings.py", "urls.py", "validators.py", "views.py"]
