from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "turnabout.identity"
    label = "identity"
    verbose_name = "Sign-in, user administration and API tokens"

    def ready(self) -> None:
        from turnabout.core.hooks import people_left
        from turnabout.identity.services import deactivate_leavers

        def end_leavers_sign_in(*, organisation_id: int, count: int) -> None:
            deactivate_leavers(organisation_id=organisation_id)

        people_left.register(end_leavers_sign_in)
