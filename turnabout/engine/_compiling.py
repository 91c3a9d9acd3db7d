"""Numba kernels compiled at their first call and cached on disk, so that importing the engine does not import Numba."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, cast

__all__ = ["compiled", "inline", "load_kernels"]


class _Deferred:
    """A kernel compiled by Numba at its first call, so that importing the engine does not import Numba.

    Web processes import the engine for its types and checks; only a solve needs compiled code.
    The first call compiles (or loads from the on-disk cache) every helper inlined into kernels,
    then this kernel, and later calls go straight to the compiled code.
    """

    _lock = threading.Lock()
    _inline_helpers: list[Callable[..., Any]] = []  # shared by every kernel, on purpose
    _helpers_compiled = False

    _kernels: list[_Deferred] = []  # every kernel, for load_kernels

    def __init__(self, function: Callable[..., Any]) -> None:
        self._function = function
        self._dispatcher: Callable[..., Any] | None = None
        functools.update_wrapper(self, function)
        _Deferred._kernels.append(self)

    def __call__(self, *args: Any) -> Any:
        dispatcher = self._dispatcher
        if dispatcher is None:
            dispatcher = self._compile()
        return dispatcher(*args)

    def _compile(self) -> Callable[..., Any]:
        import numba  # deferred: heavy, and only a solve needs it

        with _Deferred._lock:
            if not _Deferred._helpers_compiled:
                # A kernel sees its helpers through its module's globals: there they must be Numba's.
                inliner = numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
                for helper in _Deferred._inline_helpers:
                    helper.__globals__[helper.__name__] = inliner(helper)
                _Deferred._helpers_compiled = True
            if self._dispatcher is None:
                self._dispatcher = numba.njit(cache=True, nogil=True, error_model="numpy")(self._function)
            return self._dispatcher


def load_kernels() -> None:
    """Import Numba and make every kernel's dispatcher now rather than at the first solve (each still compiles, or loads
    its cached machine code, at its first call)."""
    for kernel in _Deferred._kernels:
        kernel._compile()


def compiled[F: Callable[..., Any]](function: F) -> F:
    """Compile to machine code (cached on disk next to its module), releasing the GIL while it runs.

    Compiled at the first call (see :class:`_Deferred`).
    """
    return cast(F, _Deferred(function))


def inline[F: Callable[..., Any]](function: F) -> F:
    """Compiled into its callers: a call per pair would pass every array again.

    Kernels only: compiled, with Numba, before the first kernel is (never called from Python).
    """
    _Deferred._inline_helpers.append(function)
    return function
