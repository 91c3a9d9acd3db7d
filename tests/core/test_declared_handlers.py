"""What the apps declare on their AppConfig as dotted paths (periodic jobs, hook handlers) is resolved only when first
needed: every path must name what its hook or the scheduler expects, or the first fire fails in production."""

from django.apps import apps
from django.tasks import Task
from django.utils.module_loading import import_string

from turnabout.core import hooks
from turnabout.core.hooks import Hook, TaskHook


def test_every_declared_hook_handler_names_a_declared_hook_and_a_callable():
    declared = {name: value for name, value in vars(hooks).items() if isinstance(value, Hook | TaskHook)}
    seen = 0
    for config in apps.get_app_configs():
        for hook_name, paths in getattr(config, "hook_handlers", {}).items():
            assert isinstance(declared.get(hook_name), Hook), f"{config.label}: no hook {hook_name!r} in core/hooks.py"
            for path in paths:
                assert callable(import_string(path)), path
                seen += 1
        for hook_name, handlers in getattr(config, "task_hook_handlers", {}).items():
            assert isinstance(declared.get(hook_name), TaskHook), f"{config.label}: no task hook {hook_name!r} in core/hooks.py"
            for task_path, handler_path in handlers.items():
                task = import_string(task_path)
                assert isinstance(task, Task), task_path
                assert task.module_path == task_path
                assert callable(import_string(handler_path)), handler_path
                seen += 1
    assert seen >= 6


def test_every_declared_periodic_job_names_a_task():
    jobs = [job for config in apps.get_app_configs() for job in getattr(config, "periodic_jobs", ())]
    assert sorted(name for name, _path, _every in jobs) == [
        "deactivate-ended-guests",
        "open-due-waves",
        "prune-task-results",
        "refresh-health",
        "send-nudges",
    ]
    for _name, path, _every in jobs:
        assert isinstance(import_string(path), Task), path
