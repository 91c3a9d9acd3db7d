"""The base of every domain error: a human message and a stable code the API returns."""


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WorkerStopped(Exception):
    """The error a task records when the sweeper fails it: its worker stopped beating while the task ran."""
