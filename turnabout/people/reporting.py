"""Reporting chains as materialised paths, computed in memory so imports stay fast."""

from collections.abc import Mapping

from turnabout.people.errors import ManagerCycle


def compute_reporting_paths(managers: Mapping[int, int | None]) -> dict[int, tuple[str, int]]:
    """Map each person id to ``(path, depth)`` given each person's manager id.

    A manager outside ``managers`` is treated as absent. Raises ManagerCycle naming the ids in a loop.

    >>> compute_reporting_paths({1: None, 2: 1, 3: 2})
    {1: ('/1/', 0), 2: ('/1/2/', 1), 3: ('/1/2/3/', 2)}
    """
    paths: dict[int, tuple[str, int]] = {}
    for start in managers:
        chain: list[int] = []
        on_chain: set[int] = set()
        current: int | None = start
        while current is not None and current not in paths:
            if current in on_chain:
                loop = chain[chain.index(current) :]
                raise ManagerCycle("Reporting lines form a cycle: " + " → ".join(str(i) for i in [*loop, current]))
            chain.append(current)
            on_chain.add(current)
            manager = managers.get(current)
            current = manager if manager in managers else None
        prefix, depth = paths[current] if current is not None else ("/", -1)
        for person_id in reversed(chain):
            prefix, depth = f"{prefix}{person_id}/", depth + 1
            paths[person_id] = (prefix, depth)
    return paths
