"""Start the real services of the stack as child processes for integration tests.

Each process gets free loopback ports, its own log file and a readiness probe; a failing
start reports the tail of the log instead of a bare timeout.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
VENV_PY = REPO / ".venv" / "bin" / "python"
RASA_BIN = REPO / ".venv-rasa" / "bin" / "rasa"
RASA_PY = REPO / ".venv-rasa" / "bin" / "python"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ManagedProcess:
    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    log: Path
    ready_url: str
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        # Append: a restarted process keeps the log of its previous life.
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.tail()}")
            try:
                if httpx.get(self.ready_url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f}s:\n{self.tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL: a crash, with no chance to clean up."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self, timeout: float) -> None:
        self.stop()
        self.start()
        self.wait_ready(timeout)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def rasa_model_path() -> Path:
    out = subprocess.run(
        [str(RASA_PY), str(REPO / "rasa_project" / "train.py"), "--path"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


@dataclass
class DialogueStack:
    """Real Rasa (Python 3.10 venv) and the real action server, wired together."""

    workdir: Path
    rasa_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    rasa_token: str = "test-rasa-token"
    actions_token: str = "test-actions-token"
    public_base_url: str = "http://desk.test"
    processes: list[ManagedProcess] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    def env(self) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONHOME"))
        }
        env.update(
            ACTIONS_TOKEN=self.actions_token,
            ACTION_SERVER_URL=f"{self.actions_url}/webhook",
            KNOWLEDGE_DIR=str(REPO / "knowledge"),
            INDEX_DIR=str(REPO / "var" / "index"),
            PUBLIC_BASE_URL=self.public_base_url,
            RASA_TRACKER_DIALECT="sqlite",
            RASA_TRACKER_HOST="",
            RASA_TRACKER_DB=str(self.workdir / "tracker.db"),
            RASA_TRACKER_USER="",
            RASA_TRACKER_PASSWORD="",
            RASA_TELEMETRY_ENABLED="false",
            SQLALCHEMY_SILENCE_UBER_WARNING="1",
            TF_CPP_MIN_LOG_LEVEL="2",
            PYTHONPATH=str(REPO / "rasa_project"),
            HF_HUB_OFFLINE="1",
        )
        return env

    def start(self, model: Path) -> None:
        env = self.env()
        actions = ManagedProcess(
            "actions",
            [str(VENV_PY), "-m", "actions.server", "--port", str(self.actions_port)],
            REPO / "rasa_project",
            env,
            self.workdir / "actions.log",
            f"{self.actions_url}/health",
        )
        rasa = ManagedProcess(
            "rasa",
            [
                str(RASA_BIN),
                "run",
                "--enable-api",
                "--auth-token",
                self.rasa_token,
                "-i",
                "127.0.0.1",
                "-p",
                str(self.rasa_port),
                "--model",
                str(model),
                "--endpoints",
                "endpoints.yml",
                "--credentials",
                "credentials.yml",
            ],
            REPO / "rasa_project",
            env,
            self.workdir / "rasa.log",
            f"{self.rasa_url}/status?token={self.rasa_token}",
        )
        self.processes = [actions, rasa]
        for p in self.processes:
            p.start()
        try:
            actions.wait_ready(60)
            rasa.wait_ready(240)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        for p in reversed(self.processes):
            p.stop()

    def process(self, name: str) -> ManagedProcess:
        return next(p for p in self.processes if p.name == name)

    def say(self, sender: str, text: str, language: str = "en") -> list[dict[str, object]]:
        """One visitor turn over Rasa's REST channel, as the gateway sends it."""
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text, "metadata": {"language": language}},
            timeout=60,
        )
        response.raise_for_status()
        return list(response.json())


@dataclass
class FullStack(DialogueStack):
    """Rasa, the action server and the gateway (``python -m bot serve``), as deployed."""

    gateway_port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(
            PORT=str(self.gateway_port),
            HOST="127.0.0.1",
            PUBLIC_BASE_URL=self.gateway_url,
            DATABASE_URL=f"sqlite+aiosqlite:///{self.workdir / 'app.db'}",
            RASA_URL=self.rasa_url,
            RASA_TOKEN=self.rasa_token,
            ACTIONS_URL=self.actions_url,
            SESSION_SECRET="e2e-session-secret-" + "x" * 32,
        )
        env.update(self.extra_env)
        return env

    def start(self, model: Path) -> None:
        self.public_base_url = self.gateway_url
        super().start(model)
        self.start_gateway()

    def start_gateway(self, ready_path: str = "/readyz") -> None:
        """Start ``python -m bot serve`` and wait until ``ready_path`` answers 200."""
        gateway = self.gateway_process(ready_path)
        self.processes.append(gateway)
        gateway.start()
        try:
            gateway.wait_ready(120)
        except Exception:
            self.stop()
            raise

    def gateway_process(self, ready_path: str = "/readyz") -> ManagedProcess:
        """``python -m bot serve`` with this stack's settings, not started."""
        return ManagedProcess(
            "gateway",
            [str(VENV_PY), "-m", "bot", "serve"],
            REPO,
            self.env(),
            self.workdir / "gateway.log",
            f"{self.gateway_url}{ready_path}",
        )


def gateway_alone(workdir: Path, port: int, **env: str) -> ManagedProcess:
    """``python -m bot serve`` on its own: Rasa is not running (messages to the bot then get
    "temporarily unavailable" and a ticket), which is all a test of the officers' side needs."""
    stack = FullStack(workdir, gateway_port=port, extra_env={"RASA_TIMEOUT": "2", **env})
    return stack.gateway_process("/healthz")
