"""Two import-linter contract types the built-in ones do not cover (registered in pyproject.toml).

- ``acyclic``: no import circle between any two modules of the package, whatever their place
  (sibling modules, a package and a module below another package, a package's ``__init__``).
  The built-in ``acyclic_siblings`` contract looks at siblings only.
- ``private_names``: no module imports a private name (``_name``, not a dunder) from another
  module. A name another module needs is not private: give it a public name in its module
  (a private *module* may hold public names; the ``private_modules`` contract keeps those
  inside their package).

``tests/test_architecture.py`` runs every contract; from the command line:
``PYTHONPATH=tests lint-imports``.
"""

from __future__ import annotations

import ast
import importlib.util
from typing import Any

import grimp
from importlinter import Contract, ContractCheck, fields, output


def _strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """The import graph's strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [
            (root, sorted(graph.find_modules_directly_imported_by(root)))
        ]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            if children:
                child = children.pop()
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, sorted(graph.find_modules_directly_imported_by(child))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


class NoCycles(Contract):
    """No import circle between any two modules (every import counts, lazy ones too).

    ``ignore_imports`` lists ``importer -> imported`` imports left out, each a declared
    exception (a deprecated path kept for one release).
    """

    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        for expression in self.ignore_imports or ():  # type: ignore[attr-defined]
            importer, imported = expression.importer.expression, expression.imported.expression
            if not graph.direct_import_exists(importer=importer, imported=imported):
                return ContractCheck(
                    kept=False, metadata={"circles": [[f"stale ignore: {importer} -> {imported}"]]}
                )
            graph.remove_import(importer=importer, imported=imported)
        circles = _strongly_connected(graph)
        return ContractCheck(kept=not circles, metadata={"circles": circles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for circle in check.metadata["circles"]:
            output.print_error(f"- these modules import each other in a circle: {circle}")
            output.new_line()


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _imported_names(module: str) -> list[tuple[int, str, str]]:
    """``(line, module imported from, name)`` of each ``from X import name`` in a module."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return []
    with open(spec.origin, encoding="utf-8") as fh:
        tree = ast.parse(fh.read(), spec.origin)
    is_package = spec.origin.endswith("__init__.py")
    base = module.split(".") if is_package else module.split(".")[:-1]
    out: list[tuple[int, str, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            parts = base[: len(base) - (node.level - 1)]
            source = ".".join([*parts, *([node.module] if node.module else [])])
        else:
            source = node.module or ""
        for alias in node.names:
            out.append((node.lineno, source, alias.name))
    return out


class NoPrivateNames(Contract):
    """No module imports a private name from another module of the package."""

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        modules = set(graph.modules)
        bad: list[dict[str, Any]] = []
        for module in sorted(modules):
            for line, source, name in _imported_names(module):
                if source not in modules or source == module or not _private(name):
                    continue
                if f"{source}.{name}" in modules:  # a private submodule: private_modules' job
                    continue
                bad.append({"importer": module, "line": line, "source": source, "name": name})
        return ContractCheck(kept=not bad, metadata={"imports": bad})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for b in check.metadata["imports"]:
            output.print_error(
                f"- {b['importer']} (l.{b['line']}) imports the private name {b['name']} "
                f"from {b['source']}"
            )
            output.new_line()
