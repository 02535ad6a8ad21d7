"""The layout's rules (docs/architecture.md), read from the source: arrows point down, no cycles.

Every ``import`` is counted, also those inside functions: a late import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Packages of the core, lowest first: a package may import only packages listed before it (and itself).
LAYERS = ["analysis", "store", "archive", "crawl", "web", "cli"]
# Standalone: the replica imports nothing of the core (it is the independent ground truth).
STANDALONE = {"replica"}
# Modules at the root of the package that anything may import.
SHARED = {"govcrawl", "govcrawl.errors"}
# Scrapy's plug-ins: named in settings, never imported by the core; they use the core's lower layers.
PLUGINS = {"spiders": {"analysis", "store", "archive", "crawl"}, "pipelines": {"analysis", "store", "archive", "crawl"}}


def modules() -> dict[str, Path]:
    found = {}
    for top in ("govcrawl", "spiders", "pipelines"):
        for path in (ROOT / top).rglob("*.py"):
            if "versions" in path.parts:  # Alembic revisions: generated, import only sqlalchemy/alembic
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path) -> set[str]:
    mods = modules()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for a in node.names:  # "from pkg import module" depends on the module, not on pkg's __init__
                out.add(f"{mod}.{a.name}" if f"{mod}.{a.name}" in mods else mod)
    return {m for m in out if m in mods and m != name}


def group(module: str) -> str:
    parts = module.split(".")
    if parts[0] in PLUGINS:
        return parts[0]
    return parts[1] if len(parts) > 1 and module not in SHARED else module


GRAPH = {name: imports_of(name, path) for name, path in modules().items()}


def test_every_core_module_belongs_to_a_package_or_is_shared():
    loose = [m for m in GRAPH if m.startswith("govcrawl.") and m.count(".") == 1 and m not in SHARED
             and m not in {"govcrawl.__main__"} and group(m) not in LAYERS + sorted(STANDALONE)]
    assert loose == [], f"modules outside the packages of the core: {loose}"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down(module):
    me = group(module)
    bad = []
    for dep in sorted(GRAPH[module]):
        them = group(dep)
        if dep in SHARED or them == me or module == "govcrawl.__main__":
            continue
        if them in PLUGINS:
            bad.append(f"{dep} (a plug-in: the core names it in settings, never imports it)")
        elif me in PLUGINS:
            if them not in PLUGINS[me]:
                bad.append(dep)
        elif me in STANDALONE or them in STANDALONE:
            if not (them in STANDALONE and me in {"cli", "web"}):
                bad.append(dep)
        elif LAYERS.index(them) > LAYERS.index(me):
            bad.append(f"{dep} ({them} is above {me})")
    assert bad == [], f"{module} imports upwards: {bad}"


def test_no_import_cycles():
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(GRAPH.get(m, ())):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)
    assert cycles == []


def test_one_spider_module_per_platform_named_as_its_spider():
    from scrapy.settings import Settings

    from govcrawl.crawl.spiderloader import platform_spiders

    settings = Settings({"SPIDER_MODULES": ["spiders"]})
    platforms = platform_spiders(settings)
    files = {p.stem for p in (ROOT / "spiders").glob("*.py") if p.stem != "__init__"}
    assert set(platforms) == files
    assert {"jcms", "jpaas", "generic", "web_search"} <= files


def test_no_product_module_over_600_lines_unless_listed():
    # Kept whole on purpose (see docs/architecture.md): the replica's content tables are data.
    allowed = set()
    long = []
    for path in [*(ROOT / "govcrawl").rglob("*.py"), *(ROOT / "spiders").glob("*.py"), *(ROOT / "pipelines").glob("*.py")]:
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > 600 and str(path.relative_to(ROOT)) not in allowed:
            long.append((str(path.relative_to(ROOT)), n))
    assert long == []
