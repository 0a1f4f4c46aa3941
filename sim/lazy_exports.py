"""Lazy package exports (PEP 562): a package names its public objects without importing them.

A package ``__init__`` that imports all its submodules makes ``import pkg.light`` pay for
``pkg.heavy`` too (a submodule import runs the package's ``__init__`` first). With
:func:`lazy_exports` the ``__init__`` lists which submodule holds each public name; the
submodule is imported the first time the name is looked up (``from pkg import Name`` or
``pkg.Name``), and the object is then kept in the package's namespace, so later lookups
cost nothing. Type checkers see the names through ``if TYPE_CHECKING:`` imports that
repeat the table, and not the ``__getattr__`` (a module ``__getattr__`` would let any
misspelt name pass the type check). Usage, in ``pkg/__init__.py``::

    if TYPE_CHECKING:
        from pkg.heavy import Thing

    __all__ = ["Thing"]
    if not TYPE_CHECKING:
        __getattr__, __dir__ = lazy_exports(__name__, globals(), {"Thing": "heavy"})

A public name must not be the name of one of the package's submodules: importing that
submodule would bind the module, not the object, to the name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, namespace: dict[str, Any], exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package``.

    ``exports`` maps each public name to the submodule (relative to ``package``) that
    defines it; ``namespace`` is the package's ``globals()``, where a name is kept once
    loaded.
    """

    def module_getattr(name: str) -> Any:
        submodule = exports.get(name)
        if submodule is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{submodule}"), name)
        namespace[name] = value
        return value

    def module_dir() -> list[str]:
        return sorted({*namespace, *exports})

    return module_getattr, module_dir
