"""The directory's part of erasing a person: their identity becomes a pseudonym; what reports count stays.

Called by ``turnabout.personal_data.services.erase_person``, which runs every app's part in one transaction and is
the only caller. The person row stays (enrolments, pairs, meetings and ratings hang off it, and reports count them),
with what the reports group by (grade, department, site, country, reporting line, dates, employment status and grade
history). Name, email, employee id, job title and the SCIM id are replaced; skills and consented sensitive answers
are deleted; the login is unlinked.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from turnabout.people.models import Person, PersonSkill, SensitiveProfile

# Addresses on a reserved domain (RFC 2606) that nobody can receive mail at or sign in with.
ERASED_EMAIL_DOMAIN = "erased.invalid"


def erased_name(person_id: int) -> str:
    """The neutral pseudonym an erased person is shown by.

    >>> erased_name(123)
    'Erased person 123'
    """
    return f"Erased person {person_id}"


def erased_email(kind: str, record_id: int) -> str:
    """A unique address on the reserved domain for an erased ``kind`` ("person", "login") of id ``record_id``.

    >>> erased_email("login", 7)
    'erased-login-7@erased.invalid'
    """
    return f"erased-{kind}-{record_id}@{ERASED_EMAIL_DOMAIN}"


def is_erased(person: Person) -> bool:
    """True once ``person`` has been erased (their address is on the reserved domain)."""
    return person.email.lower().endswith(f"@{ERASED_EMAIL_DOMAIN}")


@dataclass(frozen=True)
class DirectoryErasure:
    skills_deleted: int
    sensitive_answers_deleted: bool


@transaction.atomic
def erase_directory_record(*, person: Person) -> DirectoryErasure:
    """Replace ``person``'s identity by the pseudonym, delete their skills and sensitive answers, unlink their login.

    Call only from the erasure service, which has checked the confirmation and holds the person's row lock.
    """
    skills_deleted, _ = PersonSkill.objects.filter(person=person).delete()
    sensitive_deleted, _ = SensitiveProfile.objects.filter(person=person).delete()
    person.given_name, person.family_name = "Erased", f"person {person.pk}"
    person.email = erased_email("person", person.pk)
    person.employee_id = f"erased-{person.pk}"
    person.job_title = ""
    person.scim_external_id = ""
    person.user = None
    person.save(update_fields=["given_name", "family_name", "email", "employee_id", "job_title", "scim_external_id", "user", "updated_at"])
    return DirectoryErasure(skills_deleted=skills_deleted, sensitive_answers_deleted=sensitive_deleted > 0)
