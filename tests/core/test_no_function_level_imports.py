"""No module imports a ``turnabout`` module inside a function: imports sit at the top, where import-linter's contracts
(pyproject.toml) see the layers and the cycles. The few left are listed here, and the list only shrinks: a new
one fails, and so does a listed one that is gone (take it off the list)."""

import ast
from collections import Counter
from pathlib import Path

import turnabout

PACKAGE = Path(turnabout.__file__).parent

# (module file, imported module) -> how many functions import it.
ALLOWED = Counter(
    {
        # Deliberate: `turnabout match` runs the engine on CSV files without Django, and every other command
        # (serve, worker, migrate, ...) starts without loading the engine's CLI and its solver stack.
        ("cli.py", "turnabout.engine.cli"): 1,
    }
)


def function_level_imports(source: str) -> list[str]:
    """The ``turnabout`` modules that functions in ``source`` import.

    >>> function_level_imports("from turnabout.core import email\\ndef f():\\n    from turnabout.core.models import EmailDelivery\\n")
    ['turnabout.core.models']
    >>> function_level_imports("async def g():\\n    import turnabout.engine\\n    import json\\n")
    ['turnabout.engine']
    """
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "turnabout":
                found.append(node.module or "")
            elif isinstance(node, ast.Import):
                found += [alias.name for alias in node.names if alias.name.split(".")[0] == "turnabout"]
    return found


def test_no_function_imports_a_turnabout_module_but_the_listed_ones():
    # given every module of the package
    found: Counter[tuple[str, str]] = Counter()
    for path in sorted(PACKAGE.rglob("*.py")):
        for module in function_level_imports(path.read_text(encoding="utf-8")):
            found[(path.relative_to(PACKAGE).as_posix(), module)] += 1

    # then the function-level imports are exactly the listed ones
    assert dict(found) == dict(ALLOWED)


def test_the_check_finds_an_import_nested_in_a_method():
    # given a method that imports a service inside a branch
    source = "class C:\n    def m(self):\n        if True:\n            from turnabout.programs.services import invite_people\n"

    # then
    assert function_level_imports(source) == ["turnabout.programs.services"]
