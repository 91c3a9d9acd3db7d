"""Reads of the SCIM service: the people a token sees, and SCIM filters turned into one SQL query.

A filter is parsed and checked against the published User by scim2-models; ``filter_people`` then walks its
syntax tree into a ``Q``, so a list costs one query for the page and one for the count whatever the directory's
size. Attributes: id, userName, externalId, name.givenName, name.familyName, title, active, and the enterprise
employeeNumber, department and manager (its id); operators eq, ne, co, sw, ew, gt, ge, lt, le, pr, and, or, not.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    AttributeBinding,
    CompareOperator,
    Comparison,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from turnabout.accounts.models import Organisation
from turnabout.people.models import EmploymentStatus, Person

# Attribute URNs are compared in lower case: attribute names are case-insensitive (RFC 7643 §2.1).
CORE = "urn:ietf:params:scim:schemas:core:2.0:user:"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:"


def scim_people(*, organisation: Organisation) -> "QuerySet[Person]":
    """The organisation's employees as SCIM shows them: leavers included (active false), those SCIM deleted not, and
    guests from outside never (they are not in the identity provider; SCIM neither lists, returns, changes nor deletes
    them)."""
    employees = Person.objects.employees().filter(organisation=organisation, scim_deleted_at__isnull=True)
    return employees.select_related("department").order_by("pk")


def scim_person(*, organisation: Organisation, user_id: str) -> Person | None:
    """The person behind SCIM id ``user_id`` in ``organisation``, or None (another organisation's, deleted, not an id)."""
    if not user_id.isdigit() or len(user_id) > 18:
        return None
    return scim_people(organisation=organisation).filter(pk=int(user_id)).first()


# Per attribute (its full URN, lower case): the Person lookup, and whether the values compare case-sensitively.
_STRING_LOOKUPS: dict[str, tuple[str, bool]] = {
    CORE + "username": ("email", False),
    CORE + "externalid": ("scim_external_id", True),
    CORE + "name.givenname": ("given_name", False),
    CORE + "name.familyname": ("family_name", False),
    CORE + "title": ("job_title", False),
    ENTERPRISE + "employeenumber": ("employee_id", True),
    ENTERPRISE + "department": ("department__name", False),
}
_OPERATOR_LOOKUPS: dict[CompareOperator, tuple[str, str]] = {
    # operator: (case-sensitive lookup, case-insensitive lookup)
    CompareOperator.eq: ("exact", "iexact"),
    CompareOperator.co: ("contains", "icontains"),
    CompareOperator.sw: ("startswith", "istartswith"),
    CompareOperator.ew: ("endswith", "iendswith"),
    CompareOperator.gt: ("gt", "gt"),
    CompareOperator.ge: ("gte", "gte"),
    CompareOperator.lt: ("lt", "lt"),
    CompareOperator.le: ("lte", "lte"),
}
_PRESENT: dict[str, Callable[[], Q]] = {
    CORE + "id": lambda: Q(),
    CORE + "username": lambda: ~Q(email=""),
    CORE + "externalid": lambda: ~Q(scim_external_id=""),
    CORE + "name": lambda: ~Q(given_name="") | ~Q(family_name=""),
    CORE + "name.givenname": lambda: ~Q(given_name=""),
    CORE + "name.familyname": lambda: ~Q(family_name=""),
    CORE + "title": lambda: ~Q(job_title=""),
    CORE + "active": lambda: Q(),
    ENTERPRISE.rstrip(":"): lambda: Q(),
    ENTERPRISE + "employeenumber": lambda: ~Q(employee_id=""),
    ENTERPRISE + "department": lambda: Q(department__isnull=False),
    ENTERPRISE + "manager": lambda: Q(manager__isnull=False),
    ENTERPRISE + "manager.value": lambda: Q(manager__isnull=False),
}


class _FilterToQuery(FilterVisitor[Q]):
    def __init__(self, scim_filter: ScimFilter[Any]) -> None:
        self.scim_filter = scim_filter

    def _binding(self, node: Comparison | Present) -> AttributeBinding:
        binding = self.scim_filter.resolve_comparison(node.attr_path)
        assert binding is not None  # the filter is bound to the User model
        return binding

    def visit_comparison(self, node: Comparison) -> Q:
        urn = self._binding(node).urn.lower()
        if node.op == CompareOperator.ne:
            return ~self.visit_comparison(Comparison(node.attr_path, CompareOperator.eq, node.value))
        if urn == CORE + "active":
            if node.op != CompareOperator.eq or not isinstance(node.value, bool):
                raise InvalidFilterException(detail="active compares with eq or ne to true or false.")
            return Q(employment_status=EmploymentStatus.ACTIVE if node.value else EmploymentStatus.LEAVER)
        if urn in (CORE + "id", ENTERPRISE + "manager", ENTERPRISE + "manager.value"):
            if node.op != CompareOperator.eq:
                raise InvalidFilterException(detail=f"{node.attr_path} compares with eq or ne only.")
            field = "pk" if urn == CORE + "id" else "manager_id"
            value = str(node.value)
            # An id that is not one of ours matches nobody, rather than being an error.
            return Q(**{field: int(value)}) if value.isdigit() and len(value) <= 18 else Q(pk__in=[])
        if urn not in _STRING_LOOKUPS:
            raise InvalidFilterException(detail=f"Filtering on {node.attr_path} is not supported.")
        if not isinstance(node.value, str):
            raise InvalidFilterException(detail=f"{node.attr_path} compares with a string.")
        field, case_exact = _STRING_LOOKUPS[urn]
        exact_lookup, folded_lookup = _OPERATOR_LOOKUPS[node.op]
        return Q(**{f"{field}__{exact_lookup if case_exact else folded_lookup}": node.value})

    def visit_present(self, node: Present) -> Q:
        urn = self._binding(node).urn.lower()
        if urn not in _PRESENT:
            raise InvalidFilterException(detail=f"Filtering on {node.attr_path} is not supported.")
        return _PRESENT[urn]()

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        terms = [self.visit(term) for term in node.terms]
        combined = terms[0]
        for term in terms[1:]:
            combined = combined & term if node.op == LogicalOperator.and_ else combined | term
        return combined

    def visit_value_path(self, node: ValuePath) -> Q:
        raise InvalidFilterException(detail=f"Filtering on {node.attr_path}[…] is not supported.")


def filter_people(people: "QuerySet[Person]", scim_filter: ScimFilter[Any] | None) -> "QuerySet[Person]":
    """``people`` narrowed by a parsed SCIM filter; raises InvalidFilterException for what the directory cannot filter."""
    if scim_filter is None:
        return people
    return people.filter(_FilterToQuery(scim_filter).visit(scim_filter.ast))
