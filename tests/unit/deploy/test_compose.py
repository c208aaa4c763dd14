"""docker-compose.yml agrees with the Dockerfiles, .env.example, Rasa's endpoints and the code.

No Docker engine runs here, so nothing is built or started: these tests read the files and check
that every referenced file, port, variable and health check is consistent. That is where a
compose deployment breaks first: a renamed variable that is silently empty, a health check on the
wrong port, a file the image never received, a secret that never reaches the service needing it.
"""

from __future__ import annotations

import ast
import functools
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
RASA_PROJECT = ROOT / "rasa_project"
LOCAL_ENDPOINTS = RASA_PROJECT / "endpoints.yml"
GATEWAY_CONFIG = ROOT / "bot" / "config.py"
ACTION_SERVER_SOURCES = (
    RASA_PROJECT / "actions" / "settings.py",
    RASA_PROJECT / "actions" / "server.py",
)

PUBLISHED = {"bot"}  # the one service reachable from outside the compose networks
IMAGE_PORTS = {"postgres": 5432, "redis": 6379}  # stock images, unless their command says else
HEALTHCHECK_KEYS = ("test", "interval", "timeout", "retries")
RESTART_POLICIES = {"always", "unless-stopped", "on-failure"}
ROOT_USERS = {"root", "0"}
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD)$")
VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Compose interpolation: $$ is a literal $ (expanded later, inside the container), ${NAME},
# ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, ${NAME:+alt}, $NAME.
COMPOSE_REF = re.compile(
    r"\$\$|\$\{(?P<braced>[A-Za-z_]\w*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|\$(?P<plain>[A-Za-z_]\w*)"
)
CONTAINER_REF = re.compile(r"\$\$\{?(?P<name>[A-Za-z_]\w*)")
RASA_REF = re.compile(r"\$\{(?P<body>[^}]*)\}")  # Rasa knows plain ${NAME} only


# --- reading the files --------------------------------------------------------------------------


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a YAML mapping"
    return data


@functools.cache
def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE)


def services() -> dict[str, dict[str, Any]]:
    found = compose()["services"]
    assert isinstance(found, dict) and found, "docker-compose.yml has no services"
    return found


@functools.cache
def env_example() -> dict[str, str]:
    """NAME=value lines of .env.example, checked for shape and duplicates on the way."""
    values: dict[str, str] = {}
    for number, line in enumerate(ENV_EXAMPLE.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, sep, value = stripped.partition("=")
        assert sep and VAR_NAME.fullmatch(name), f".env.example:{number}: not NAME=value"
        assert name not in values, f".env.example:{number}: {name} is set twice"
        values[name] = value
    return values


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, None) for item in raw)
    return {str(k): "" if v is None else str(v) for k, v in raw.items()}


def env_files(service: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """(path, required) for each env_file entry, short or long syntax."""
    raw = service.get("env_file") or []
    entries = raw if isinstance(raw, list) else [raw]
    return [
        (item, True) if isinstance(item, str) else (item["path"], bool(item.get("required", True)))
        for item in entries
    ]


def uses_env_example(service: Mapping[str, Any]) -> bool:
    return any(Path(path).name == ".env" for path, _ in env_files(service))


def strings(node: Any) -> Iterator[str]:
    """Every string value in a YAML tree (compose interpolates values, never keys)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


@dataclass(frozen=True)
class Ref:
    name: str
    op: str | None
    arg: str

    @property
    def has_default(self) -> bool:
        return self.op in {"-", ":-", "+", ":+"}

    @property
    def required(self) -> bool:
        return self.op in {"?", ":?"}


def compose_refs(text: str) -> Iterator[Ref]:
    for match in COMPOSE_REF.finditer(text):
        if match.group(0) != "$$":
            name = match.group("braced") or match.group("plain")
            yield Ref(name, match.group("op"), match.group("arg") or "")


def ref_names(text: str) -> set[str]:
    return {ref.name for ref in compose_refs(text)}


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """What compose makes of ``text`` with ``env`` as its .env (required-but-unset fails)."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("plain")
        op, arg, value = match.group("op"), match.group("arg") or "", env.get(name)
        unset = value is None if op in {"-", "?", "+"} else not value
        if op in {"-", ":-"}:
            return arg if unset else str(value)
        if op in {"+", ":+"}:
            return "" if unset else arg
        assert not (op in {"?", ":?"} and unset), f"{name} is required: {arg}"
        return value or ""

    return COMPOSE_REF.sub(substitute, text)


def argv(service: Mapping[str, Any]) -> list[str]:
    """The container's command line, with ``sh -c`` scripts split as the shell would."""
    words: list[str] = []
    for key in ("entrypoint", "command"):
        part = service.get(key) or []
        words.extend(shlex.split(part) if isinstance(part, str) else [str(w) for w in part])
    if len(words) >= 3 and Path(words[0]).name in {"sh", "bash"} and words[1] == "-c":
        words = shlex.split(words[2])
    return [word.replace("$$", "$") for word in words]


def option(words: list[str], *names: str) -> str | None:
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                return words[i + 1]
            if word.startswith(f"{name}="):
                return word.split("=", 1)[1]
    return None


def listen_port(name: str) -> int:
    """The port a service listens on inside the network: its --port/-p flag, its PORT
    variable, or the port of the stock image it runs."""
    service = services()[name]
    given = option(argv(service), "--port", "-p") or environment(service).get("PORT")
    if given is None:
        assert name in IMAGE_PORTS, f"{name}: cannot tell which port it listens on"
        return IMAGE_PORTS[name]
    return int(given)


def healthcheck_text(service: Mapping[str, Any]) -> str:
    test = service.get("healthcheck", {}).get("test", [])
    return test if isinstance(test, str) else " ".join(str(word) for word in test[1:])


def build_dirs(service: Mapping[str, Any]) -> tuple[Path, Path] | None:
    """(context, Dockerfile) of a service that builds its image."""
    build = service.get("build")
    if build is None:
        return None
    if isinstance(build, str):
        build = {"context": build}
    context = (ROOT / build.get("context", ".")).resolve()
    return context, (context / build.get("dockerfile", "Dockerfile")).resolve()


def dockerfile(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        keyword, _, args = (current + stripped).partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        current = ""
    return instructions


def copy_sources(instructions: list[tuple[str, str]]) -> list[str]:
    """Local sources of COPY/ADD (copies from other stages excluded)."""
    sources: list[str] = []
    for keyword, args in instructions:
        if keyword not in {"COPY", "ADD"}:
            continue
        words = yaml.safe_load(args) if args.startswith("[") else shlex.split(args)
        if any(word.startswith("--from=") for word in words):
            continue
        sources.extend(word for word in words[:-1] if not word.startswith("--"))
    return sources


def copied_into_image(relative: str, sources: list[str]) -> bool:
    target = Path(relative)
    return any(src == "." or target == Path(src) or Path(src) in target.parents for src in sources)


def rasa_build() -> tuple[Path, list[tuple[str, str]]]:
    found = build_dirs(services()["rasa"])
    assert found is not None, "the rasa service must build our image (custom components, model)"
    context, path = found
    return context, dockerfile(path)


@functools.cache
def compose_endpoints() -> dict[str, Any]:
    endpoints = option(argv(services()["rasa"]), "--endpoints")
    assert endpoints, "rasa must be started with --endpoints"
    context, _ = rasa_build()
    return load_yaml(context / endpoints)


# --- which variables the code reads ------------------------------------------------------------

ENV_RECEIVERS = {"e", "env", "environ"}


def _is_env(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in ENV_RECEIVERS
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def _key(node: ast.expr, params: set[str]) -> str | None:
    """A literal key, or a template like ``{prefix}_BURST`` built from the function's params."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in params:
        return "{" + node.id + "}"
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif (
                isinstance(value, ast.FormattedValue)
                and isinstance(value.value, ast.Name)
                and value.value.id in params
            ):
                parts.append("{" + value.value.id + "}")
            else:
                return None
        return "".join(parts)
    return None


def _bind(template: str, args: Mapping[str, ast.expr], params: set[str]) -> str | None:
    """Fill a callee's template (``{prefix}_BURST``) with the caller's arguments."""
    key: str | None = template
    for name, arg in args.items():
        if key is not None and "{" + name + "}" in key:
            value = _key(arg, params)
            key = None if value is None else key.replace("{" + name + "}", value)
    return key


def env_reads(path: Path) -> set[str]:
    """Variables a module reads: ``e.get("X")``, ``e["X"]``, ``os.environ.get("X")``, and
    helpers such as ``_int(e, "X", 1)`` or ``_rate(e, "PREFIX", ...)`` that build the name
    (``f"{prefix}_BURST"``), followed through the module's own functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    memo: dict[str, set[str]] = {}

    def reads(scope: ast.AST, params: set[str], stack: tuple[str, ...]) -> set[str]:
        found: set[str] = set()
        for node in ast.walk(scope):
            keys: list[str | None] = []
            if isinstance(node, ast.Subscript) and _is_env(node.value):
                keys.append(_key(node.slice, params))
            elif isinstance(node, ast.Call):
                func = node.func
                if (
                    isinstance(func, ast.Attribute)
                    and node.args
                    and (
                        (func.attr == "get" and _is_env(func.value))
                        or (func.attr == "getenv" and isinstance(func.value, ast.Name))
                    )
                ):
                    keys.append(_key(node.args[0], params))
                elif isinstance(func, ast.Name) and func.id in functions and func.id not in stack:
                    callee = functions[func.id]
                    names = [a.arg for a in callee.args.args]
                    bound = dict(zip(names, node.args, strict=False))
                    bound.update((kw.arg, kw.value) for kw in node.keywords if kw.arg)
                    keys.extend(_bind(t, bound, params) for t in templates(func.id, stack))
            found.update(k for k in keys if k is not None)
        return found

    def templates(name: str, stack: tuple[str, ...]) -> set[str]:
        if name not in memo:
            function = functions[name]
            params = {a.arg for a in function.args.args}
            memo[name] = reads(function, params, (*stack, name))
        return memo[name]

    return {key for key in reads(tree, set(), ()) if VAR_NAME.fullmatch(key)}


@functools.cache
def gateway_reads() -> frozenset[str]:
    return frozenset(env_reads(GATEWAY_CONFIG))


@functools.cache
def action_server_reads() -> frozenset[str]:
    return frozenset().union(*(env_reads(path) for path in ACTION_SERVER_SOURCES))


def image_env(service: Mapping[str, Any]) -> set[str]:
    """Variables the service's Dockerfile sets with ENV."""
    found = build_dirs(service)
    if found is None:
        return set()
    names: set[str] = set()
    for keyword, args in dockerfile(found[1]):
        if keyword == "ENV":
            names.update(re.findall(r"(?:^|\s)([A-Za-z_]\w*)=", args) or args.split()[:1])
    return names


# --- 1. health checks, restart policies, start-up order --------------------------------------


def test_every_service_has_a_health_check_and_a_restart_policy() -> None:
    problems = []
    for name, service in services().items():
        check = service.get("healthcheck") or {}
        if check.get("disable"):
            problems.append(f"{name}: health check disabled")
        missing = [key for key in HEALTHCHECK_KEYS if key not in check]
        if missing:
            problems.append(f"{name}: health check lacks {', '.join(missing)}")
        test = check.get("test")
        if isinstance(test, list) and (not test or test[0] not in {"CMD", "CMD-SHELL"}):
            problems.append(f"{name}: health check test must start with CMD or CMD-SHELL")
        if service.get("restart") not in RESTART_POLICIES:
            problems.append(f"{name}: restart policy {service.get('restart')!r}")
    assert not problems, "\n".join(problems)


def test_health_checks_probe_the_port_each_service_listens_on() -> None:
    problems = []
    for name, service in services().items():
        port = listen_port(name)
        if not re.search(rf"(?<!\d){port}(?!\d)", healthcheck_text(service)):
            problems.append(f"{name}: listens on {port}, health check does not probe it")
    assert not problems, "\n".join(problems)


def test_dependencies_wait_for_healthy_services_without_cycles() -> None:
    problems = []
    graph: dict[str, list[str]] = {}
    for name, service in services().items():
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):
            problems.append(f"{name}: depends_on needs the long form with a condition")
            depends = {other: {} for other in depends}
        graph[name] = list(depends)
        for other, spec in depends.items():
            if other not in services():
                problems.append(f"{name}: depends on unknown service {other}")
            elif "healthcheck" not in services()[other]:
                problems.append(f"{name}: depends on {other}, which has no health check")
            if (spec or {}).get("condition") != "service_healthy":
                problems.append(f"{name}: depends on {other} without condition service_healthy")
    done: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        if node in path:
            problems.append(f"dependency cycle: {' -> '.join((*path, node))}")
        elif node not in done:
            for other in graph.get(node, []):
                visit(other, (*path, node))
            done.add(node)

    for name in graph:
        visit(name, ())
    assert not problems, "\n".join(problems)


def test_each_service_waits_for_what_it_calls() -> None:
    wanted = {"bot": {"postgres", "rasa", "actions"}, "rasa": {"postgres", "redis", "actions"}}
    for name, needed in wanted.items():
        assert needed <= set(services()[name].get("depends_on") or {}), name


# --- 2. builds and Dockerfiles -----------------------------------------------------------------


def test_build_contexts_dockerfiles_and_copied_files_exist() -> None:
    problems = []
    for name, service in services().items():
        found = build_dirs(service)
        if found is None:
            continue
        context, path = found
        if not context.is_dir():
            problems.append(f"{name}: build context {context} does not exist")
            continue
        if not path.is_file():
            problems.append(f"{name}: Dockerfile {path} does not exist")
            continue
        for source in copy_sources(dockerfile(path)):
            if not (any(context.glob(source)) if "*" in source else (context / source).exists()):
                problems.append(f"{name}: {path.name} copies {source}, missing from {context}")
    assert not problems, "\n".join(problems)


def dockerfiles() -> dict[Path, list[tuple[str, str]]]:
    found = {build_dirs(s) for s in services().values()} - {None}
    paths = {pair[1] for pair in found if pair is not None}
    assert paths, "no service builds an image"
    return {path: dockerfile(path) for path in sorted(paths)}


def test_dockerfiles_pin_their_bases_and_run_as_a_non_root_user() -> None:
    problems = []
    for path, instructions in dockerfiles().items():
        stages: list[str] = []
        final_user: str | None = None
        for keyword, args in instructions:
            if keyword == "FROM":
                words = [w for w in args.split() if not w.startswith("--")]
                image = words[0]
                if len(words) >= 3 and words[1].lower() == "as":
                    stages.append(words[2])
                final_user = None
                if image in stages:
                    continue
                name = image.split("@")[0]
                tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else ""
                if "@sha256:" not in image and tag in {"", "latest"}:
                    problems.append(f"{path.name}: FROM {image} is not pinned")
            elif keyword == "USER":
                final_user = args.split(":")[0]
            elif keyword in {"ENV", "ARG"}:
                for var in re.findall(r"(?:^|\s)([A-Za-z_]\w*)", args):
                    if SECRET_NAME.search(var):
                        problems.append(f"{path.name}: {keyword} {var} bakes a secret in")
        if final_user is None or final_user in ROOT_USERS:
            problems.append(f"{path.name}: the final stage runs as {final_user or 'root'}")
    assert not problems, "\n".join(problems)


def test_pulled_images_are_pinned() -> None:
    for name, service in services().items():
        if "build" in service:
            continue
        image = str(service.get("image", ""))
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        assert "@sha256:" in image or tag not in {"", "latest"}, f"{name}: {image} not pinned"


# --- 3. interpolated variables -----------------------------------------------------------------


def test_compose_variables_are_documented_or_defaulted() -> None:
    documented = env_example()
    problems = []
    for text in strings(compose()):
        for ref in compose_refs(text):
            if ref.has_default:
                continue
            if ref.name not in documented:
                problems.append(f"${{{ref.name}}} has no default and is not in .env.example")
            elif ref.required and not documented[ref.name]:
                problems.append(f"{ref.name} is required but empty in .env.example")
    assert not problems, "\n".join(problems)


def test_secrets_fail_loudly_when_missing_and_are_placeholders_in_env_example() -> None:
    problems = []
    for name, value in env_example().items():
        if SECRET_NAME.search(name) and value and not value.startswith("change-me"):
            problems.append(f".env.example: {name} must be empty or a change-me placeholder")
    for text in strings(compose()):
        for ref in compose_refs(text):
            placeholder = env_example().get(ref.name, "").startswith("change-me")
            if placeholder and not ref.required:
                problems.append(f"{ref.name}: a secret must be ${{{ref.name}:?...}} in compose")
    for name, service in services().items():
        for path, required in env_files(service):
            if not required and not any(
                ref.required for text in strings(service) for ref in compose_refs(text)
            ):
                problems.append(f"{name}: optional env_file {path} but no required variable")
    assert not problems, "\n".join(problems)


def test_variables_expanded_inside_containers_are_set_there() -> None:
    problems = []
    for name, service in services().items():
        available = set(environment(service)) | image_env(service)
        if uses_env_example(service):
            available |= set(env_example())
        for text in strings({k: v for k, v in service.items() if k != "environment"}):
            for match in CONTAINER_REF.finditer(text):
                if match.group("name") not in available:
                    problems.append(f"{name}: $${match.group('name')} is not set in the service")
    assert not problems, "\n".join(problems)


def test_rasa_endpoint_variables_are_plain_and_set_for_rasa() -> None:
    rasa = services()["rasa"]
    available = set(environment(rasa)) | (set(env_example()) if uses_env_example(rasa) else set())
    problems = []
    for text in strings(compose_endpoints()):
        for match in RASA_REF.finditer(text):
            body = match.group("body")
            if not VAR_NAME.fullmatch(body):
                problems.append(f"${{{body}}}: Rasa expands only plain ${{NAME}}")
            elif body not in available:
                problems.append(f"${{{body}}} is not set in the rasa service (Rasa won't start)")
    assert not problems, "\n".join(problems)


def test_postgres_init_script_gets_its_variables() -> None:
    postgres = services()["postgres"]
    scripts = [
        ROOT / volume.split(":")[0]
        for volume in postgres.get("volumes", [])
        if isinstance(volume, str) and "/docker-entrypoint-initdb.d/" in volume
    ]
    assert scripts, "postgres mounts no init script creating Rasa's database"
    for script in scripts:
        code = "\n".join(
            line
            for line in script.read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("#")
        )
        needed = set(re.findall(r"\$\{([A-Za-z_]\w*):\?", code))
        assert needed, f"{script.name} checks no variable"
        missing = needed - set(environment(postgres))
        assert not missing, f"{script.name} needs {sorted(missing)} in the postgres service"


# --- 4. the gateway's variables and .env.example -----------------------------------------------


def test_the_scanner_sees_the_gateway_settings() -> None:
    # Guards the scan below: a scanner that found nothing would make it pass vacuously.
    reads = gateway_reads()
    assert {"RASA_TOKEN", "DATABASE_URL", "OFFICE_HOURS", "PORT"} <= reads, sorted(reads)
    assert {"ACTIONS_TOKEN", "INDEX_DIR"} <= action_server_reads()


def test_every_gateway_variable_is_documented_or_set_by_compose() -> None:
    bot = services()["bot"]
    provided = set(env_example()) | set(environment(bot)) | image_env(bot)
    missing = sorted(gateway_reads() - provided)
    assert not missing, f"bot/config.py reads {missing}: add them to .env.example"


def test_env_example_has_no_stale_variables() -> None:
    """Every variable reaches something that reads it: compose itself (interpolation), or the
    program of a service that gets .env as its env_file."""
    readers: set[str] = set()
    for text in strings(compose()):
        readers |= ref_names(text)
    programs = {"bot": gateway_reads(), "actions": action_server_reads()}
    for name, service in services().items():
        if uses_env_example(service):
            readers |= programs.get(name, frozenset())
    stale = sorted(set(env_example()) - readers)
    assert not stale, f".env.example sets {stale}, which nothing reads"


def test_env_example_values_are_not_overridden_silently() -> None:
    problems = []
    for name, service in services().items():
        if not uses_env_example(service):
            continue
        for var, value in environment(service).items():
            if var in env_example() and var not in ref_names(value):
                problems.append(f"{name}: compose sets {var}, so .env's value is ignored")
    assert not problems, "\n".join(problems)


def test_env_example_documents_every_variable() -> None:
    """Each variable, or a run of related ones, comes right after its comment line."""
    problems, commented = [], False
    for number, line in enumerate(ENV_EXAMPLE.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("# ---"):  # blank line or section heading
            commented = False
        elif stripped.startswith("#"):
            commented = True
        elif not commented:
            problems.append(f".env.example:{number}: {stripped.split('=')[0]} has no comment")
    assert not problems, "\n".join(problems)


def bot_environment() -> dict[str, str]:
    """What the gateway container gets: .env (the example) overlaid with compose's values."""
    env = dict(env_example())
    for var, value in environment(services()["bot"]).items():
        env[var] = interpolate(value, env_example())
    return env


def test_the_gateway_starts_with_the_example_configuration() -> None:
    settings = Settings.from_env(bot_environment())
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.public_base_url.startswith("https://")
    assert settings.host == "0.0.0.0"  # reachable from the published port


def test_rasa_and_actions_share_their_tokens_with_the_callers() -> None:
    env = {name: environment(service) for name, service in services().items()}
    assert ref_names(env["rasa"]["RASA_TOKEN"]) == ref_names(env["bot"]["RASA_TOKEN"])
    assert ref_names(env["rasa"]["ACTIONS_TOKEN"]) == ref_names(env["actions"]["ACTIONS_TOKEN"])
    assert ref_names(env["rasa"]["RASA_TOKEN"]), "RASA_TOKEN must come from .env"


def test_compose_sets_only_variables_the_programs_read() -> None:
    # A typo in `environment:` is a setting that silently never applies.
    problems = []
    for name, reads in {"bot": gateway_reads(), "actions": action_server_reads()}.items():
        unread = set(environment(services()[name])) - reads
        if unread:
            problems.append(f"{name}: compose sets {sorted(unread)}, which it never reads")
    assert not problems, "\n".join(problems)


# --- 5. Rasa, the action server and the URLs between services ---------------------------------


def points_at(url: str) -> tuple[str, int]:
    """(service, port) a URL from docker-compose.yml reaches, checked against the services."""
    parts = urlsplit(interpolate(url, env_example()))
    host = parts.hostname or ""
    assert host in services(), f"{url}: {host!r} is not a service"
    assert parts.port == listen_port(host), f"{url}: {host} listens on {listen_port(host)}"
    return host, parts.port


def test_rasa_api_is_enabled_only_with_a_token() -> None:
    words = argv(services()["rasa"])
    assert words[words.index("rasa") + 1] == "run", words
    assert "--enable-api" in words, "the gateway uses Rasa's HTTP API"
    token = option(words, "--auth-token")  # CVE-2024-49375: never --enable-api alone
    assert token and token.startswith("$"), "--enable-api without --auth-token from the env"
    assert token.strip("${}") in environment(services()["rasa"])


def test_rasa_files_exist_and_are_in_the_image() -> None:
    words = argv(services()["rasa"])
    context, instructions = rasa_build()
    sources = copy_sources(instructions)
    for flag in ("--endpoints", "--credentials"):
        path = option(words, flag)
        assert path, f"rasa run without {flag}"
        assert (context / path).is_file(), f"{flag} {path} does not exist"
        assert copied_into_image(path, sources), f"{path} is not copied into the rasa image"
    train = next(
        args for keyword, args in instructions if keyword == "RUN" and "rasa train" in args
    )
    trained = f"{option(shlex.split(train), '--out')}/"
    trained += f"{option(shlex.split(train), '--fixed-model-name')}.tar.gz"
    assert option(words, "--model", "-m") == trained, "rasa serves a model the build never made"


def test_endpoints_match_the_local_ones_and_the_services() -> None:
    local, deployed = load_yaml(LOCAL_ENDPOINTS), compose_endpoints()
    assert deployed["action_endpoint"] == local["action_endpoint"]
    tracker, lock = deployed["tracker_store"], deployed["lock_store"]
    assert tracker["type"] == local["tracker_store"]["type"], "same tracker store everywhere"
    assert tracker["dialect"] == "postgresql"
    assert tracker["url"] in services() and int(tracker["port"]) == listen_port(tracker["url"])
    assert lock["type"] == "redis"
    assert lock["url"] in services() and int(lock["port"]) == listen_port(lock["url"])
    assert str(lock.get("key_prefix", "")).isalnum(), "Rasa ignores a non-alphanumeric prefix"


def test_custom_tracker_store_is_importable_in_the_image() -> None:
    # Rasa falls back to an in-memory tracker store, with only a warning, when it cannot
    # import a custom one: conversations would be lost and replicas would disagree.
    kind = compose_endpoints()["tracker_store"]["type"]
    if "." not in kind:
        return
    module, _, cls = kind.rpartition(".")
    context, instructions = rasa_build()
    source = Path(*module.split(".")).with_suffix(".py")
    assert (context / source).is_file(), f"{kind}: {source} does not exist"
    assert re.search(rf"^class {cls}\(", (context / source).read_text(), re.M), kind
    assert copied_into_image(source.as_posix(), copy_sources(instructions)), source


def test_rasa_reaches_the_action_server_postgres_and_redis() -> None:
    rasa, postgres, redis = (services()[n] for n in ("rasa", "postgres", "redis"))
    env, endpoints = environment(rasa), compose_endpoints()
    action_url = RASA_REF.sub(lambda m: env[m.group("body")], endpoints["action_endpoint"]["url"])
    assert points_at(action_url)[0] == "actions"
    assert urlsplit(action_url).path == "/webhook"
    tracker = endpoints["tracker_store"]
    for key in ("db", "username"):
        var = RASA_REF.fullmatch(tracker[key])
        assert var, f"tracker_store.{key} must come from the environment"
        assert env[var["body"]] == environment(postgres).get(var["body"]), (
            f"tracker_store.{key}: rasa and the postgres init script disagree"
        )
    password = RASA_REF.fullmatch(tracker["password"])
    assert password and ref_names(env[password["body"]]) == ref_names(
        environment(postgres)[password["body"]]
    )
    lock_password = RASA_REF.fullmatch(endpoints["lock_store"]["password"])
    assert lock_password, "Redis requires a password"
    required_pass = option([str(w) for w in redis.get("command", [])], "--requirepass") or ""
    assert ref_names(env[lock_password["body"]]) == ref_names(required_pass) != set()


def test_gateway_urls_point_at_services_on_their_ports() -> None:
    env, postgres = environment(services()["bot"]), environment(services()["postgres"])
    assert points_at(env["RASA_URL"])[0] == "rasa"
    assert points_at(env["ACTIONS_URL"])[0] == "actions"
    assert points_at(env["DATABASE_URL"])[0] == "postgres"
    database = urlsplit(interpolate(env["DATABASE_URL"], env_example()))
    assert database.scheme == "postgresql+asyncpg"
    assert database.username == postgres["POSTGRES_USER"]
    assert database.path.lstrip("/") == postgres["POSTGRES_DB"]
    # The password in the URL is the one PostgreSQL was initialised with.
    password = ref_names(postgres["POSTGRES_PASSWORD"])
    assert password and ref_names(env["DATABASE_URL"]) == password
    check = shlex.split(healthcheck_text(services()["postgres"]))
    assert option(check, "--username", "-U") == postgres["POSTGRES_USER"]
    assert option(check, "--dbname", "-d") == postgres["POSTGRES_DB"]


# --- 6. exposure, volumes, networks ------------------------------------------------------------


def test_only_the_gateway_is_published_on_its_port() -> None:
    published = {name for name, service in services().items() if service.get("ports")}
    assert published == PUBLISHED
    for mapping in services()["bot"]["ports"]:
        host, _, container = interpolate(str(mapping), {}).rpartition(":")
        assert int(container) == listen_port("bot")
        assert host.startswith("127.0.0.1:"), "by default only a local reverse proxy reaches it"


def test_named_volumes_are_declared_and_used_and_bind_mounts_exist() -> None:
    declared = set(compose().get("volumes") or {})
    used: set[str] = set()
    problems = []
    for name, service in services().items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith((".", "/")):
                if not (ROOT / source).exists():
                    problems.append(f"{name}: bind mount {source} does not exist")
            elif source:
                used.add(source)
    if used - declared:
        problems.append(f"volumes used but not declared: {sorted(used - declared)}")
    if declared - used:
        problems.append(f"volumes declared but unused: {sorted(declared - used)}")
    assert not problems, "\n".join(problems)


def test_backends_stay_on_the_internal_network() -> None:
    networks = compose().get("networks") or {}
    problems = []
    for name, service in services().items():
        attached = service.get("networks") or ["default"]
        for network in attached:
            if network not in networks and network != "default":
                problems.append(f"{name}: network {network} is not declared")
        if name not in PUBLISHED and not all(
            (networks.get(n) or {}).get("internal") for n in attached
        ):
            problems.append(f"{name}: must be on internal networks only")
    assert not problems, "\n".join(problems)
