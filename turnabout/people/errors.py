"""Domain errors for the people directory; each carries a stable code for the API."""


class PeopleError(Exception):
    code = "people_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ManagerCycle(PeopleError):
    code = "manager_cycle"


class UnknownPerson(PeopleError):
    code = "unknown_person"
