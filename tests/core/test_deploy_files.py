"""The deployment recipes run only what CI runs, so they cannot drift from the product.

The Dockerfile, compose.yaml and the systemd units in docs/deploy.md start Turnabout with ``turnabout …``
commands. The browser tests' production install (tests/browser/production.py, ``INSTALL_COMMANDS``) runs the
same commands against a fresh database in every CI run, on SQLite and on PostgreSQL; here each recipe's command
must be one of them (its subcommand, and only options that the install passes too). The image's other steps
are the Makefile's asset build, ``pip install .`` and creating the unprivileged user and its directories. The
image itself is not built here: that needs a registry for the base images.
"""

import json
import re
import shlex
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import yaml
from django.core.management import get_commands, load_command_class

from tests.browser.production import DOCUMENTED_VARIABLES, INSTALL_COMMANDS
from turnabout.core.serving import STOP_GRACE_SECONDS

ROOT = Path(__file__).resolve().parents[2]
# Preparing the image's system (Debian's PostgreSQL client, the user and its directories): no part of Turnabout runs.
IMAGE_PREPARATION = {"apt-get", "rm", "useradd", "mkdir", "chown"}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined and comments left out."""
    logical, current = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            logical.append(current.strip())
            current = ""
    return [(text.split(maxsplit=1)[0].upper(), text.split(maxsplit=1)[1]) for text in logical]


def shell_commands(script: str) -> list[list[str]]:
    """The commands of a ``RUN`` line joined by ``&&``, each without its leading ``NAME=value`` assignments."""
    commands = []
    for part in script.split("&&"):
        words = shlex.split(part)
        while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
            words.pop(0)
        commands.append(words)
    return commands


def options_of(command: list[str] | tuple[str, ...]) -> set[str]:
    return {word for word in command if word.startswith("--")}


def ran_by_the_production_install(command: list[str]) -> bool:
    """``command`` is a ``turnabout`` command whose subcommand and every option the CI install runs too."""
    return any(
        command[:2] == list(ran[:2]) and options_of(command) <= options_of(ran) for ran in INSTALL_COMMANDS if command[0] == "turnabout"
    )


def makefile_asset_commands() -> list[list[str]]:
    """The recipe of ``turnabout/static/dist/.built`` (what ``make assets`` and so CI run), ``cd`` left out."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^turnabout/static/dist/\.built:.*\n\t(.+)$", makefile, re.M)
    assert recipe is not None, "The Makefile no longer builds turnabout/static/dist/.built"
    return [command for command in shell_commands(recipe.group(1)) if command[0] != "cd"]


def compose() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(document, dict)
    return document


def test_the_production_install_runs_the_commands_the_recipes_rely_on() -> None:
    # then: collectstatic, migrate, setup and serve, in the order an administrator runs them
    assert [command[:2] for command in INSTALL_COMMANDS] == [
        ("turnabout", "collectstatic"),
        ("turnabout", "migrate"),
        ("turnabout", "setup"),
        ("turnabout", "serve"),
    ]


def test_every_dockerfile_step_is_one_ci_runs() -> None:
    # given
    instructions = dockerfile_instructions()
    runs = [command for instruction, arguments in instructions if instruction == "RUN" for command in shell_commands(arguments)]
    assets = makefile_asset_commands()

    # then
    unknown = []
    for command in runs:
        if command[0] == "turnabout":
            ok = ran_by_the_production_install(command)
        elif command[0] == "npm":
            ok = command in assets
        elif command[0] == "pip":
            ok = command == ["pip", "install", "."]  # the project itself, as CI's `pip install -e '.[dev]'` but not editable
        else:
            ok = command[0] in IMAGE_PREPARATION
        if not ok:
            unknown.append(" ".join(command))
    assert unknown == []
    assert [command for command in runs if command[0] == "npm"] == assets
    assert ["turnabout", "collectstatic", "--no-input"] in runs


def test_the_image_serves_with_the_production_entry_point_as_an_unprivileged_user() -> None:
    # given
    instructions = dockerfile_instructions()
    by_name: dict[str, list[str]] = {}
    for instruction, arguments in instructions:
        by_name.setdefault(instruction, []).append(arguments)

    # then: Debian slim, not root, the Numba cache on a volume, `turnabout serve` on every interface
    assert by_name["FROM"][-1].startswith("python:3.12-slim")
    assert by_name["USER"] == ["turnabout"]
    numba_cache = re.search(r"NUMBA_CACHE_DIR=(\S+)", " ".join(by_name["ENV"]))
    assert numba_cache is not None
    assert numba_cache.group(1) in json.loads(by_name["VOLUME"][0])
    command = json.loads(by_name["CMD"][0])
    assert command == ["turnabout", "serve", "--bind", "0.0.0.0:8000"]
    assert ran_by_the_production_install(command)


def test_compose_runs_postgresql_migrate_and_serve_with_volumes() -> None:
    # given
    document = compose()
    services = document["services"]

    # then
    assert set(services) == {"db", "migrate", "web"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["migrate"]["command"] == ["turnabout", "migrate", "--no-input"]
    assert services["web"]["command"] == ["turnabout", "serve", "--bind", "0.0.0.0:8000"]
    for name in ("migrate", "web"):
        assert ran_by_the_production_install(services[name]["command"]), name
        assert services[name]["build"] == "."
    assert services["web"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    mounted = {mount.split(":")[0] for service in services.values() for mount in service.get("volumes", [])}
    assert mounted == set(document["volumes"]) == {"postgres-data", "numba-cache", "turnabout-data"}
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgres://turnabout:")
    # docker stop waits longer than turnabout serve gives its processes, so it never kills a task midway
    assert int(services["web"]["stop_grace_period"].removesuffix("s")) > STOP_GRACE_SECONDS


def test_compose_sets_only_documented_variables() -> None:
    # given
    environment = compose()["services"]["web"]["environment"]

    # then: every variable is one docs/configuration.md explains
    assert set(environment) - DOCUMENTED_VARIABLES == set()
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "EMAIL_URL", "SECURE_PROXY_SSL_HEADER", "TRUSTED_PROXY_COUNT"} <= set(environment)


def systemd_commands() -> list[list[str]]:
    """The ``ExecStart=`` commands of the unit files in docs/deploy.md, with the installed ``turnabout`` as ``turnabout``."""
    found = re.findall(r"^ExecStart=(\S+)(.*)$", (ROOT / "docs" / "deploy.md").read_text(), re.M)
    return [[Path(program).name, *shlex.split(arguments)] for program, arguments in found]


def test_the_single_systemd_unit_runs_the_production_entry_point() -> None:
    # given
    commands = systemd_commands()

    # then
    assert commands[0] == ["turnabout", "serve", "--bind", "127.0.0.1:8000"]
    assert ran_by_the_production_install(commands[0])
    stop_timeout = re.search(r"^TimeoutStopSec=(\d+)$", (ROOT / "docs" / "deploy.md").read_text(), re.M)
    assert stop_timeout is not None
    assert int(stop_timeout.group(1)) > STOP_GRACE_SECONDS


def test_the_separate_systemd_units_run_commands_that_accept_their_options(settings: Any) -> None:
    # given: the web server without worker and scheduler, the worker, the scheduler; the production task backend,
    # which the worker's parser checks (the tests run tasks immediately)
    commands = systemd_commands()[1:]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    # when: each command's own parser reads its unit's arguments (a wrong option raises CommandError)
    parsed = {}
    for command in commands:
        name = command[1].replace("-", "_")
        parsed[name] = load_command_class(get_commands()[name], name).create_parser("turnabout", name).parse_args(command[2:])

    # then
    assert [command[0] for command in commands] == ["turnabout"] * 3
    assert list(parsed) == ["serve", "worker", "scheduler"]
    assert (parsed["serve"].bind, parsed["serve"].no_worker, parsed["serve"].no_scheduler) == ("127.0.0.1:8000", True, True)


def test_a_non_editable_install_contains_every_static_file_and_template() -> None:
    # given: the Dockerfile's `pip install .` ships only what package-data names (CI installs editable)
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["*"]
    shipped = [path for folder in ("static", "templates") for path in (ROOT / "turnabout" / folder).rglob("*")]

    # then
    missing = [
        str(path) for path in shipped if path.is_file() and path.name != ".built" and not any(fnmatch(path.name, p) for p in patterns)
    ]
    assert missing == []
