"""The ``turnabout`` command: ``turnabout match`` runs the engine on CSV files; the rest are management commands.

``turnabout import-people FILE`` is ``manage.py import_people FILE``. ``turnabout serve`` is the production entry point
(gunicorn, the task worker and the scheduler); it starts its workers as ``python -m turnabout.cli worker``.
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "match":
        # Imported here on purpose: `turnabout match` needs neither Django nor settings, and every other command
        # (serve, worker, migrate, ...) starts without loading the engine's CLI and its solver stack.
        from turnabout.engine.cli import main as match_main

        exit_code: int = match_main(args[1:])
        return exit_code
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turnabout.settings")
    from django.core.management import execute_from_command_line

    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["turnabout", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
