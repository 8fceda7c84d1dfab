"""Boundaries are checked, not hoped for (docs/style.md).

1. The import-linter contract in pyproject.toml (the layer order of docs/architecture.md).
2. Only a context's ``repository.py`` builds statements on its protected tables, so
   that every read goes through ``access.restrict``. The scan below reads the source
   of ``src/taawun`` (AST, nothing is imported), finds the protected models each
   module imports, and flags ``select``/``insert``/``update``/``delete`` constructs,
   ``session.get``/``session.query`` calls and raw ``text()`` SQL that touch them
   anywhere else.

What the scan cannot see: a statement built in one place and extended elsewhere
(``stmt = select(X)`` then ``stmt.join(State)`` in another function is caught only
when ``stmt`` itself is built from a protected model), models reached through
``getattr`` or a registry of classes, and SQL assembled from string pieces.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "taawun"

# The protected models of each context, and their tables (for raw SQL in text()).
PROTECTED: dict[str, dict[str, str]] = {
    "taawun.registry.models": {
        "State": "state",
        "Organization": "organization",
        "Membership": "membership",
        "Agreement": "agreement",
        "AgreementDomain": "agreement_domain",
        "AgreementParty": "agreement_party",
        "AgreementPhase": "agreement_phase",
        "AgreementProposal": "agreement_proposal",
        "ProposalParty": "proposal_party",
    },
    "taawun.intel.models": {
        "IntelObject": "intel_object",
        "IntelRelease": "intel_release",
        "IntelRecipient": "intel_recipient",
        "IntelReference": "intel_reference",
        "TaxiiStatus": "taxii_status",
    },
    "taawun.cooperation.exercises.models": {
        "Exercise": "exercise",
        "ExerciseParticipant": "exercise_participant",
        "ExerciseDomain": "exercise_domain",
    },
    "taawun.cooperation.operations.models": {
        "Operation": "operation",
        "OperationState": "operation_state",
        "OperationTask": "operation_task",
        "OperationIntel": "operation_intel",
        "OperationDeployment": "operation_deployment",
    },
    "taawun.cooperation.threats.models": {
        "ThreatValue": "threat_value",
        "ThreatOccurrence": "threat_occurrence",
    },
    "taawun.cooperation.training.models": {
        "TrainingProgramme": "training_programme",
        "TrainingSeat": "training_seat",
    },
    "taawun.cooperation.transfers.models": {
        "Transfer": "transfer",
    },
    "taawun.access.models": {
        "Agency": "agency",
        "User": "user_account",
        "ApiToken": "api_token",
        "AuditEntry": "audit_entry",
    },
    "taawun.web.ui.models": {
        "UiSession": "ui_session",
    },
}
REGISTRY = frozenset(PROTECTED["taawun.registry.models"])
ACCESS = frozenset({"Agency", "User", "ApiToken"})
INTEL = frozenset(PROTECTED["taawun.intel.models"])
AUDIT = frozenset({"AuditEntry"})
EXERCISES = frozenset(PROTECTED["taawun.cooperation.exercises.models"])
OPERATIONS = frozenset(PROTECTED["taawun.cooperation.operations.models"])
TRAINING = frozenset(PROTECTED["taawun.cooperation.training.models"])
THREATS = frozenset(PROTECTED["taawun.cooperation.threats.models"])
TRANSFERS = frozenset(PROTECTED["taawun.cooperation.transfers.models"])

# Where statements on protected models may be built: path prefix under src/taawun ->
# (the models it may touch, why).
ALLOWED: dict[str, tuple[frozenset[str], str]] = {
    "registry/repository.py": (REGISTRY, "the registry's query module; reads go through restrict"),
    "registry/importers/": (REGISTRY, "bulk loads of the real datasets use Core statements"),
    "access/repository.py": (
        ACCESS | AUDIT,
        "the access context's query module (audit listing too)",
    ),
    "web/ui/sessions.py": (
        frozenset({"UiSession", "User"}),
        "the web UI's sessions: a session's row, and its user read by id to authenticate it"
        " (as access/repository.py's token lookup does), nothing else",
    ),
    "access/audit.py": (AUDIT, "appends to and verifies the audit hash chain, nothing else does"),
    "registry/policy.py": (REGISTRY, "the criterion restrict() applies: subqueries, runs nothing"),
    "access/policy.py": (ACCESS, "the criterion restrict() applies: subqueries, runs nothing"),
    "intel/repository.py": (INTEL, "the intel context's query module; reads go through restrict"),
    "intel/policy.py": (INTEL, "the release policy's SQL form: subqueries, runs nothing"),
    "cooperation/exercises/repository.py": (EXERCISES, "the exercises' query module"),
    "cooperation/exercises/policy.py": (EXERCISES, "who an exercise concerns: subqueries"),
    "cooperation/training/policy.py": (TRAINING, "who a programme concerns: subqueries"),
    "cooperation/operations/repository.py": (OPERATIONS, "the operations' query module"),
    "cooperation/training/repository.py": (TRAINING, "the training query module"),
    "cooperation/threats/repository.py": (THREATS, "the correlation index's query module"),
    "cooperation/threats/_store.py": (
        THREATS,
        "the index's writer: bulk probes and inserts in the ingest's transaction, no reads",
    ),
    "cooperation/threats/common_repository.py": (
        frozenset({"ThreatValue"}),
        "re-flags index values when exclusions change; shows no user any occurrence",
    ),
    "cooperation/transfers/repository.py": (TRANSFERS, "the transfers' query module"),
    "storage/migrations/versions/0018_unjudged_values.py": (
        frozenset({"ThreatValue"}),
        "the downgrade flags values never judged before the column is NOT NULL again: the"
        " operator's schema change, read by no user",
    ),
    "cooperation/importers/": (
        EXERCISES | OPERATIONS | TRANSFERS,
        "bulk loads of the historical record use Core statements",
    ),
    "analytics/repository.py": (
        frozenset(
            {
                "Agreement",
                "AgreementDomain",
                "AgreementParty",
                "State",
                "StateSpell",
                "Membership",
                "Organization",
            }
        ),
        "reads the registry's spells for dyad-years, through the registry's policy, and its"
        " public facts (system membership, organisations' members, names)",
    ),
}
# A policy module only builds criteria; running a statement there would skip restrict().
POLICY_MODULES = (
    "registry/policy.py",
    "access/policy.py",
    "intel/policy.py",
    "cooperation/policy.py",
    "cooperation/exercises/policy.py",
    "cooperation/training/policy.py",
)
EXECUTE = frozenset({"execute", "scalar", "scalars"})

STATEMENTS = frozenset({"select", "insert", "update", "delete"})
SESSION_READS = frozenset({"get", "query"})
SQL_VERBS = r"(?:from|join|into|update|table)"


@dataclass(frozen=True, order=True)
class Violation:
    path: str
    line: int
    construct: str
    models: tuple[str, ...]

    def __str__(self) -> str:
        on = ", ".join(self.models) or "a statement in a policy module"
        return f"{self.path}:{self.line}: {self.construct} on {on}"


def _module_name(relpath: str) -> str:
    parts = relpath.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["taawun", *parts])


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


class _Scanner(ast.NodeVisitor):
    def __init__(self, relpath: str, parents: dict[ast.AST, ast.AST]) -> None:
        self.relpath = relpath
        self.parents = parents
        self.module = _module_name(relpath)
        self.is_package = relpath.endswith("__init__.py")
        self.names: dict[str, str] = {}  # local name -> protected model
        self.model_modules: dict[str, str] = {}  # local name -> models module
        self.statement_names: set[str] = set()  # local names bound to select/insert/...
        self.statement_modules: set[str] = {"sqlalchemy"}  # `sa.select`, `sqlalchemy.select`
        self.violations: list[Violation] = []

    # -- imports -----------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name in PROTECTED and alias.asname:
                self.model_modules[alias.asname] = alias.name
            elif alias.name in PROTECTED:
                self.model_modules[alias.name] = alias.name
            if alias.name.startswith("sqlalchemy"):
                self.statement_modules.add(alias.asname or alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = _resolve(node, self.module, self.is_package)
        for alias in node.names:
            local = alias.asname or alias.name
            if source in PROTECTED and alias.name in PROTECTED[source]:
                self.names[local] = alias.name
            elif f"{source}.{alias.name}" in PROTECTED:
                self.model_modules[local] = f"{source}.{alias.name}"
            elif source.startswith("sqlalchemy") and alias.name in STATEMENTS:
                self.statement_names.add(local)

    # -- aliases: `p = aliased(AgreementParty)`, `Party = AgreementParty` ---------------
    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        if isinstance(value, ast.Call) and _callee_name(value) == "aliased" and value.args:
            value = value.args[0]
        model = self._model_of(value)
        if model:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.names[target.id] = model
        self.generic_visit(node)

    # -- constructs ----------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if self._is_statement(func):
            self._check(node, f"{_callee_name(node)}()", _whole_chain(node, self.parents))
        elif isinstance(func, ast.Attribute) and func.attr in SESSION_READS and node.args:
            model = self._model_of(node.args[0])
            if model:
                self._report(node, f".{func.attr}()", [model])
        elif _callee_name(node) == "text" and node.args:
            self._check_sql(node)
        runs = isinstance(func, ast.Attribute) and func.attr in EXECUTE
        if runs and self.relpath in POLICY_MODULES:
            assert isinstance(func, ast.Attribute)
            self.violations.append(Violation(self.relpath, node.lineno, f".{func.attr}()", ()))
        self.generic_visit(node)

    def _is_statement(self, func: ast.expr) -> bool:
        if isinstance(func, ast.Name):
            return func.id in self.statement_names
        return (
            isinstance(func, ast.Attribute)
            and func.attr in STATEMENTS
            and isinstance(func.value, ast.Name)
            and func.value.id in self.statement_modules
        )

    def _model_of(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in self.model_modules
            and node.attr in PROTECTED[self.model_modules[node.value.id]]
        ):
            return node.attr
        return None

    def _check(self, node: ast.Call, construct: str, chain: ast.expr) -> None:
        models = {
            m for sub in ast.walk(chain) if isinstance(sub, ast.expr) and (m := self._model_of(sub))
        }
        if models:
            self._report(node, construct, sorted(models))

    def _check_sql(self, node: ast.Call) -> None:
        sql = node.args[0]
        if not (isinstance(sql, ast.Constant) and isinstance(sql.value, str)):
            return
        tables = {
            model
            for models in PROTECTED.values()
            for model, table in models.items()
            if re.search(rf'\b{SQL_VERBS}\s+"?{table}\b', sql.value, re.IGNORECASE)
        }
        if tables:
            self._report(node, "text() SQL", sorted(tables))

    def _report(self, node: ast.AST, construct: str, models: list[str]) -> None:
        allowed: frozenset[str] = frozenset().union(
            *(ok for prefix, (ok, _why) in ALLOWED.items() if self.relpath.startswith(prefix))
        )
        outside = tuple(m for m in models if m not in allowed)
        if outside:
            line = getattr(node, "lineno", 0)
            self.violations.append(Violation(self.relpath, line, construct, outside))


def _callee_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _whole_chain(call: ast.Call, parents: dict[ast.AST, ast.AST]) -> ast.expr:
    """The statement a call starts: ``select(...).join(...).where(...)`` as one expression."""
    node: ast.expr = call
    while (parent := parents.get(node)) is not None:
        continues = (isinstance(parent, ast.Attribute) and parent.value is node) or (
            isinstance(parent, ast.Call) and parent.func is node
        )
        if not continues:
            break
        node = parent
    return node


def scan_source(source: str, relpath: str) -> list[Violation]:
    """Violations in one module; ``relpath`` is relative to src/taawun (``intel/api.py``)."""
    tree = ast.parse(source)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    scanner = _Scanner(relpath, parents)
    scanner.visit(tree)
    return sorted(set(scanner.violations))


def scan_package(package: Path = PACKAGE) -> list[Violation]:
    found: list[Violation] = []
    for path in sorted(package.rglob("*.py")):
        relpath = path.relative_to(package).as_posix()
        found += scan_source(path.read_text(encoding="utf-8"), relpath)
    return found


# -- the checks ------------------------------------------------------------------------


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    assert lint_imports.exists(), f"import-linter is not installed next to {sys.executable}"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_only_repositories_build_statements_on_protected_tables() -> None:
    assert (PACKAGE / "registry" / "repository.py").exists(), "scan root looks wrong"
    violations = scan_package()
    assert not violations, "statements on protected tables outside their repository:\n" + "\n".join(
        str(v) for v in violations
    )


def test_allowed_list_matches_the_tree() -> None:
    """A stale entry (a file renamed away) would silently widen nothing but hide intent."""
    for prefix in ALLOWED:
        assert (PACKAGE / prefix).exists(), f"ALLOWED names {prefix}, which does not exist"


# -- the scanner catches what it should --------------------------------------------------

CAUGHT = {
    "plain select": (
        "from sqlalchemy import select\n"
        "from taawun.registry.models import Agreement\n"
        "stmt = select(Agreement).where(Agreement.id == 1)\n",
        ["Agreement"],
    ),
    "renamed import, sa.select, model in a chained join": (
        "import sqlalchemy as sa\n"
        "from taawun.registry.models import AgreementParty as P, State\n"
        "stmt = sa.select(sa.func.count()).select_from(State).join(P)\n",
        ["AgreementParty", "State"],
    ),
    "models module alias, delete": (
        "from sqlalchemy import delete\n"
        "from taawun.access import models as m\n"
        "def purge(session):\n"
        "    session.execute(delete(m.ApiToken).where(m.ApiToken.user_id == 3))\n",
        ["ApiToken"],
    ),
    "aliased model, insert and update": (
        "from sqlalchemy import insert, update\n"
        "from sqlalchemy.orm import aliased\n"
        "from taawun.access.models import User\n"
        "U = aliased(User)\n"
        "a = insert(U).values(name='x')\n"
        "b = update(U).values(name='y')\n",
        ["User", "User"],
    ),
    "session.get bypasses restrict": (
        "from taawun.registry.models import Agreement\n"
        "def read(session, id):\n"
        "    return session.get(Agreement, id)\n",
        ["Agreement"],
    ),
    "raw SQL": (
        "from sqlalchemy import text\n"
        "q = text('SELECT id FROM agreement_party WHERE state_id = :s')\n",
        ["AgreementParty"],
    ),
}


@pytest.mark.parametrize("name", CAUGHT)
def test_scanner_flags_a_violation(name: str) -> None:
    source, expected = CAUGHT[name]
    found = scan_source(source, "intel/service.py")
    assert sorted(m for v in found for m in v.models) == sorted(expected), found
    assert all(v.path == "intel/service.py" and v.line > 0 for v in found)


def test_scanner_flags_a_policy_module_that_runs_a_statement() -> None:
    source = (
        "from sqlalchemy import select\n"
        "def visible(session, principal):\n"
        "    return session.scalars(select(1)).all()\n"
    )
    found = scan_source(source, "registry/policy.py")
    assert [(v.line, v.construct) for v in found] == [(3, ".scalars()")]
    assert scan_source(source, "registry/service.py") == []


def test_scanner_resolves_relative_imports() -> None:
    source = "from sqlalchemy import select\nfrom .models import Agreement\nq = select(Agreement)\n"
    assert [v.models for v in scan_source(source, "registry/service.py")] == [("Agreement",)]


def test_scanner_allows_the_owning_repository_only_its_own_tables() -> None:
    source = (
        "from sqlalchemy import select\n"
        "from taawun.registry.models import Agreement\n"
        "from taawun.access.models import AuditEntry, Agency\n"
        "a = select(Agreement)\n"
        "b = select(AuditEntry)\n"
        "c = select(Agency)\n"
    )
    assert [v.models for v in scan_source(source, "registry/repository.py")] == [
        ("AuditEntry",),
        ("Agency",),
    ]
    assert [v.models for v in scan_source(source, "access/audit.py")] == [
        ("Agreement",),
        ("Agency",),
    ]


def test_scanner_ignores_unprotected_and_unrelated_code() -> None:
    source = (
        "from sqlalchemy import select\n"
        "from taawun.registry.models import DataSource, State\n"
        "a = select(DataSource)\n"
        "b = {'State': 1}.get('State')\n"
        "c = State(name='x')\n"
    )
    assert scan_source(source, "intel/service.py") == []
