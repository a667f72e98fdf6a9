"""Layering (DESIGN §7): every module under eventapp/ belongs to one layer, and layers import
one way only.

    app (create_app, extensions, database, keys): the composition root and its set-up
    web (blueprints, templating, urls, i18n, labels) → mail, services, models
    commands (the CLI and the worker)        → mail, services (models only through them)
    mail (eventapp/mail/, beside services)   → services, models, web helpers for rendering
    services                                 → models; no flask, directly or indirectly
    models                                   → nothing above them
"""

from __future__ import annotations

import ast
from collections import deque
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "eventapp"
SERVICES = sorted((PACKAGE / "services").rglob("*.py"))
MODULES = sorted(PACKAGE.rglob("*.py"))

#: Module name prefix → layer; every module under eventapp/ matches exactly one.
LAYERS = {
    "eventapp": "app",
    "eventapp.extensions": "app",
    "eventapp.database": "app",
    "eventapp.models": "models",
    "eventapp.services": "services",
    "eventapp.mail": "mail",
    "eventapp.blueprints": "web",
    "eventapp.templating": "web",
    "eventapp.i18n": "web",
    "eventapp.labels": "web",
    "eventapp.urls": "web",
    "eventapp.security": "web",
    "eventapp.keys": "app",
    "eventapp.commands": "commands",
}

#: Layer → layers it must not import.
FORBIDDEN = {
    "models": {"services", "mail", "web", "commands", "app"},
    "services": {"mail", "web", "commands", "app"},
    "mail": {"commands"},
    "web": {"commands"},
    "commands": {"web"},
    "app": set(),
}
#: What building a query takes; commands leave that to the services (a Session type hint is fine).
QUERY_NAMES = {"select", "func", "update", "delete", "insert", "text", "exists", "and_", "or_", "Select"}
#: Within the web layer, mail may use the app-wide rendering helpers but no blueprint.
MAIL_MAY_NOT = ("eventapp.blueprints",)


def is_flask(module: str) -> bool:
    top = module.split(".")[0]
    return top == "flask" or top.startswith("flask_")


def module_path(module: str) -> Path | None:
    """The file of an eventapp module (``eventapp.services.events``), or None."""
    parts = module.split(".")
    if parts[0] != "eventapp":
        return None
    base = ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path) -> str:
    if not path.is_relative_to(ROOT):
        return path.stem  # a test's scratch file
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in ``path``, relative imports resolved; ``from X import Y``
    also yields ``X.Y`` when that is a module of its own."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            submodules = [f"{module}.{alias.name}" for alias in node.names if module_path(f"{module}.{alias.name}")]
            found.extend((node.lineno, name) for name in submodules or [module])
    return found


def flask_chain(module: str) -> tuple[str, ...]:
    """The import path by which ``module`` reaches flask ((): it does not), breadth first."""
    parents: dict[str, str | None] = {module: None}
    queue = deque([module])
    while queue:
        current = queue.popleft()
        # The package's own __init__ (the app factory) counts when named explicitly: it is
        # loaded for any submodule anyway, but importing from it means reaching for the app.
        if is_flask(current) or current == "eventapp":
            chain = [current]
            while parents[chain[-1]] is not None:
                chain.append(parents[chain[-1]])
            return tuple(reversed(chain))
        path = module_path(current)
        if path is None:
            continue  # third-party or standard library
        for _line, imported in imports(path):
            if imported not in parents:
                parents[imported] = current
                queue.append(imported)
    return ()


def test_services_are_found():
    assert PACKAGE / "services" / "registration.py" in SERVICES


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: str(p.relative_to(ROOT)))
def test_service_imports_no_flask(path: Path):
    problems = []
    for line, module in imports(path):
        chain = flask_chain(module)
        if chain:
            problems.append(f"line {line}: {' -> '.join(chain)}")
    assert not problems, f"{path.relative_to(ROOT)} reaches flask: " + "; ".join(problems)


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: str(p.relative_to(ROOT)))
def test_service_never_commits(path: Path):
    """Services flush; the caller (view, command, worker) owns the transaction."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    commits = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
    ]
    assert commits == [], f"{path.relative_to(ROOT)} calls commit() on lines {commits}"


def test_the_check_catches_direct_and_indirect_flask_imports(tmp_path):
    direct = tmp_path / "direct.py"
    direct.write_text("from flask import current_app\nimport flask_babel\n")
    assert [flask_chain(m) for _, m in imports(direct)] == [("flask",), ("flask_babel",)]
    indirect = tmp_path / "indirect.py"
    indirect.write_text("from eventapp.extensions import db\nfrom eventapp import create_app\n")
    assert [flask_chain(m)[:2] for _, m in imports(indirect)] == [("eventapp.extensions", "flask_babel"), ("eventapp",)]


MAIL = sorted((PACKAGE / "mail").rglob("*.py"))
BLUEPRINTS = sorted((PACKAGE / "blueprints").rglob("*.py"))


def _names(path: Path) -> set[str]:
    """Every dotted attribute chain and bare name used in ``path`` (``db.session``, ``utcnow``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.ImportFrom):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            found.add(f"{node.value.id}.{node.attr}")
    return found


def test_mail_is_a_package_split_by_idea():
    assert {path.stem for path in MAIL} >= {"__init__", "render", "transport", "delivery"}


@pytest.mark.parametrize("path", MAIL, ids=lambda p: str(p.relative_to(ROOT)))
def test_mail_is_handed_its_session_and_clock(path: Path):
    """Mail uses the session and the clock it is given: no ``db.session``, no clock of its own."""
    modules = {module for _line, module in imports(path)}
    assert "eventapp.extensions" not in modules, f"{path.relative_to(ROOT)} imports eventapp.extensions"
    used = _names(path) & {"db.session", "utcnow", "datetime.now", "datetime.utcnow", "time.time"}
    assert not used, f"{path.relative_to(ROOT)} uses {sorted(used)}"


@pytest.mark.parametrize("path", BLUEPRINTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_blueprints_register_nothing_app_wide_for_templates(path: Path):
    """App-wide Jinja globals and filters live in eventapp/templating.py, where mails see them too."""
    app_wide = {"app_template_global", "app_template_filter", "app_template_test", "app_context_processor"}
    found = [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in app_wide
    ]
    assert found == [], f"{path.relative_to(ROOT)} registers template helpers app-wide on lines {found}"


def test_the_mail_check_catches_a_session_read(tmp_path):
    scratch = tmp_path / "scratch.py"
    scratch.write_text("from eventapp.extensions import db\nfrom eventapp.models import utcnow\ndb.session.get(1)\n")
    assert "db.session" in _names(scratch)
    assert "utcnow" in _names(scratch)


# --- the whole picture ----------------------------------------------------------------------


def layer_of(module: str) -> str | None:
    """The layer of an eventapp module: the longest matching prefix in LAYERS."""
    best = None
    for prefix in LAYERS:
        if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best)):
            best = prefix
    return LAYERS[best] if best is not None else None


def mapped_classes() -> set[str]:
    """Names of the table classes eventapp.models exports (what commands must not touch)."""
    import eventapp.models as models
    from eventapp.models.base import Base

    return {name for name, value in vars(models).items() if isinstance(value, type) and issubclass(value, Base)}


def layer_violations(path: Path, module: str | None = None) -> list[str]:
    """Every import of ``path`` that goes the wrong way (``module`` names a scratch file's place)."""
    module = module or module_name(path)
    layer = layer_of(module)
    problems = []
    tables = mapped_classes()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for line, imported in imports(path):
        target = layer_of(imported) if imported.split(".")[0] == "eventapp" else None
        if target is not None and target in FORBIDDEN[layer] and target != layer:
            problems.append(f"line {line}: {layer} imports {target} ({imported})")
        if layer == "mail" and imported.startswith(MAIL_MAY_NOT):
            problems.append(f"line {line}: mail imports a blueprint ({imported})")
    if layer == "commands":
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "sqlalchemy" for a in node.names):
                problems.append(f"line {node.lineno}: a command queries the database itself (import sqlalchemy)")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sqlalchemy":
                queries = sorted({alias.name for alias in node.names} & QUERY_NAMES)
                if queries:
                    problems.append(f"line {node.lineno}: a command queries the database itself ({', '.join(queries)})")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("eventapp.models"):
                for alias in node.names:
                    if alias.name in tables:
                        problems.append(f"line {node.lineno}: a command uses the table {alias.name} (ask a service)")
    return problems


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_belongs_to_one_layer(path: Path):
    assert layer_of(module_name(path)) is not None, f"{path.relative_to(ROOT)}: add it to LAYERS"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_go_one_way(path: Path):
    problems = layer_violations(path)
    assert not problems, f"{path.relative_to(ROOT)}: " + "; ".join(problems)


@pytest.mark.parametrize(
    ("place", "source", "expected"),
    [
        ("eventapp.models.scratch", "from eventapp.services import seats\n", "models imports services"),
        ("eventapp.models.scratch", "import eventapp.commands.worker\n", "models imports commands"),
        ("eventapp.models.scratch", "from eventapp.mail import render\n", "models imports mail"),
        ("eventapp.models.scratch", "from eventapp.blueprints import errors\n", "models imports web"),
        ("eventapp.services.scratch", "from eventapp.commands import events\n", "services imports commands"),
        ("eventapp.services.scratch", "from eventapp.blueprints.errors import CODES\n", "services imports web"),
        ("eventapp.commands.scratch", "from eventapp.models import Event\n", "uses the table Event"),
        ("eventapp.commands.scratch", "from sqlalchemy import select\n", "queries the database itself"),
        ("eventapp.commands.scratch", "from eventapp.blueprints import errors\n", "commands imports web"),
        ("eventapp.mail.scratch", "from eventapp.blueprints.api import routes\n", "mail imports a blueprint"),
    ],
)
def test_the_check_catches_wrong_way_imports(tmp_path, place, source, expected):
    scratch = tmp_path / "scratch.py"
    scratch.write_text(source)
    problems = layer_violations(scratch, place)
    assert any(expected in problem for problem in problems), problems


def test_the_check_lets_the_right_way_pass(tmp_path):
    scratch = tmp_path / "scratch.py"
    scratch.write_text("from eventapp.models import BERLIN, utcnow\nfrom eventapp.services import events\n")
    assert layer_violations(scratch, "eventapp.commands.scratch") == []
    scratch.write_text("from eventapp.models import Event\nfrom eventapp.services import seats\n")
    assert layer_violations(scratch, "eventapp.blueprints.scratch") == []
