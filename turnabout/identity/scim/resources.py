"""What Turnabout's SCIM service publishes and parses: a User of the directory's fields only, and its discovery.

The User schema lists exactly the attributes the directory keeps (RFC 7643 lets a service provider publish a
subset), so a client never writes an attribute that would silently not stick; any other standard attribute an
identity provider sends (emails, phoneNumbers, displayName…) is accepted and ignored (``POLICY``).

* ``userName`` — the person's email address (unique in the organisation, case-insensitive);
* ``name.givenName``, ``name.familyName``, ``title``, ``active`` (false: the person left), ``externalId``;
* enterprise ``employeeNumber`` (required: the HRIS import matches on it), ``department`` (by name),
  ``manager.value`` (the SCIM id of the manager, who must be in the same organisation).

``active`` is published as required so that no client removes it (a person is active or has left); a creation
without it creates an active person, a replacement without it keeps the person's state.
"""

from dataclasses import dataclass
from typing import Annotated, Any, cast

from django.conf import settings
from django.urls import reverse
from pydantic import Field
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    Extension,
    Filter,
    Meta,
    Mutability,
    Patch,
    PatchOp,
    Reference,
    Required,
    Resource,
    ResourceType,
    Schema,
    ScimPolicy,
    ScimProvider,
    SearchRequest,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)
from scim2_models import Pagination as PaginationCapabilities

from turnabout.people.models import Person

SCIM_CONTENT_TYPE = "application/scim+json"
# The most resources one list answer holds, whatever ``count`` asks for (announced as filter.maxResults).
MAX_RESULTS = 200


class Name(ComplexAttribute):
    """The components of the person's name."""

    family_name: str | None = None
    """The family name, or last name."""

    given_name: str | None = None
    """The given name, or first name."""


class Manager(ComplexAttribute):
    """The person's manager in the directory: another User of the same organisation."""

    value: Annotated[str | None, CaseExact.true] = None
    """The id of the SCIM User who is the manager."""

    ref: Annotated[Reference["User"] | None, Mutability.read_write] = Field(None, serialization_alias="$ref", validation_alias="$ref")
    """The URI of the manager's User (answered by the service; ``value`` decides)."""


class EnterpriseUser(Extension):
    """The enterprise attributes the directory keeps."""

    __schema__ = URN("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")

    employee_number: Annotated[str | None, Required.true, CaseExact.true, Uniqueness.server] = None
    """The employee id, as the HR system knows it; unique in the organisation."""

    department: str | None = None
    """The name of the department."""

    manager: Manager | None = None
    """The person's manager."""


class User(Resource[Any]):
    """A person of the organisation's directory."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The person's email address, unique in the organisation."""

    name: Name | None = None
    """The components of the person's name."""

    title: str | None = None
    """The person's job title."""

    active: Annotated[bool | None, Required.true] = None
    """False once the person has left the organisation."""


# Every user carries the enterprise extension: employeeNumber is what the HRIS import matches people on.
ScimUser: Any = User.__class_getitem__(Annotated[EnterpriseUser, Required.true])
ScimUserPatch: Any = PatchOp[ScimUser]
ScimUserSearch: Any = SearchRequest[ScimUser]

# Identity providers send more than the directory keeps (Entra ID: displayName, emails, addresses…): accepted,
# dropped. Entra ID also sends ``remove`` with a value, and filters that match nothing yet.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

SERVICE_PROVIDER_CONFIG = ServiceProviderConfig(
    documentation_uri=None,
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=False),
    authentication_schemes=[
        AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken,
            name="Bearer token",
            description="The organisation's SCIM token (tat_…), rotated by an administrator under Users → SCIM provisioning.",
            primary=True,
        )
    ],
    pagination=PaginationCapabilities(index=True, cursor=False, default_page_size=MAX_RESULTS, max_page_size=MAX_RESULTS),
)

PROVIDER = ScimProvider(
    models=[User, EnterpriseUser],
    resource_types=[ResourceType.from_resource(ScimUser)],
    config=SERVICE_PROVIDER_CONFIG,
    policy=POLICY,
)
USER_RESOURCE_TYPE: ResourceType = PROVIDER.resource_types[0]
SCHEMAS: dict[str, Schema] = {str(schema.id): schema for schema in PROVIDER.schemas}


def base_url() -> str:
    """The SCIM base URL identity providers are given: SITE_URL and the mount point, without a trailing slash."""
    return settings.SITE_URL + reverse("scim:root").rstrip("/")


def user_location(person_id: int) -> str:
    return f"{base_url()}/Users/{person_id}"


def user_of(person: Person) -> Any:
    """The SCIM User of a directory person (``department`` selected with it; the manager costs no query)."""
    names = {"given_name": person.given_name or None, "family_name": person.family_name or None}
    manager = Manager(value=str(person.manager_id), ref=cast(Any, user_location(person.manager_id))) if person.manager_id else None
    user = ScimUser(
        id=str(person.pk),
        external_id=person.scim_external_id or None,
        user_name=person.email,
        name=Name(**names) if any(names.values()) else None,
        title=person.job_title or None,
        active=person.is_active_employee,
        meta=Meta(resource_type="User", created=person.created_at, last_modified=person.updated_at, location=user_location(person.pk)),
    )
    user[EnterpriseUser] = EnterpriseUser(
        employee_number=person.employee_id, department=person.department.name if person.department else None, manager=manager
    )
    return user


@dataclass(frozen=True)
class WantedPerson:
    """What a SCIM User asks the directory to hold for one person, read but not yet checked."""

    email: str
    employee_id: str
    given_name: str
    family_name: str
    job_title: str
    department_name: str
    manager_id: str
    is_active: bool
    external_id: str


def wanted_person_of(user: Any) -> WantedPerson:
    """Read a validated SCIM User (creation, replacement, or the result of a patch) into directory fields."""
    enterprise = user[EnterpriseUser] or EnterpriseUser()
    manager = enterprise.manager
    return WantedPerson(
        # Lower case, as the HRIS import stores addresses (userName is not caseExact).
        email=(user.user_name or "").strip().lower(),
        employee_id=(enterprise.employee_number or "").strip(),
        given_name=(user.name.given_name if user.name else None) or "",
        family_name=(user.name.family_name if user.name else None) or "",
        job_title=user.title or "",
        department_name=(enterprise.department or "").strip(),
        manager_id=(manager.value if manager else None) or "",
        is_active=user.active is not False,
        external_id=user.external_id or "",
    )
