"""The services of the team stack: how each one starts, where it listens, and how it proves it is healthy.

Every command runs from this installation's Python, so a stack needs nothing the setup did not
install. Secrets reach a service through its environment or a 0600 file, never its command line.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path

import httpx

from deepto import runtime
from deepto.settings import Settings
from deepto.stack.backends import Backends
from deepto.stack.secrets import Credentials, write_private

WORK_POOL = "deepto"
# Each node's shared-memory object store. Ray's default (30% of RAM per node) would reserve most of a
# laptop's memory for three nodes; the stack's batches are small, and Ray spills to disk beyond this.
OBJECT_STORE_BYTES = 512 * 1024**2
# The caller's own variables of these libraries (another server's address, a test's settings) must
# not leak into the stack's services, which get theirs from the stack.
_FOREIGN_PREFIXES = ("PREFECT_", "MLFLOW_", "RAY_")


@dataclass(frozen=True)
class Layout:
    """Everything a service's definition depends on."""

    settings: Settings
    credentials: Credentials = field(repr=False)
    backends: Backends = field(repr=False)
    host: str
    ray_nodes: int

    @property
    def dir(self) -> Path:
        return self.settings.root / "stack"

    @property
    def ray_temp_dir(self) -> Path:
        return ray_temp_dir(self.settings.root)

    @property
    def client_host(self) -> str:
        """How clients on this host reach a service bound to ``host``."""
        return "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host


def shared_dir(home: Path) -> Path:
    """A folder every node of the stack reaches: training and tuning keep their checkpoints there, so a
    run resumes on whichever node is left after one dies."""
    return home / "shared"


def ray_temp_dir(home: Path) -> Path:
    """Ray's socket paths live under its temp dir and must stay under the OS limit of ~100 characters,
    which a deep DEEPTO_HOME would break: a short folder named after the home."""
    return Path(tempfile.gettempdir()) / f"deepto-ray-{sha256(str(home).encode()).hexdigest()[:10]}"


@dataclass(frozen=True)
class Service:
    name: str
    command: list[str]
    env: dict[str, str] = field(repr=False)
    ports: dict[str, int]
    url: str | None
    healthy: Callable[[float], bool] = field(repr=False)
    """Given when the service's process started (seconds since the epoch), whether it answers."""
    depends_on: tuple[str, ...] = ()


def port_names(name: str) -> tuple[str, ...]:
    """The ports each service needs (Ray's own defaults are fixed numbers that several nodes on one
    host, or another user's Ray, would fight over)."""
    ray_node = ("agent", "agent_grpc", "metrics", "runtime_env")
    if name == "ray-head":
        return ("gcs", "dashboard", "client", *ray_node)
    if name.startswith("ray-worker-"):
        return ray_node
    return {"mlflow": ("http",), "prefect-server": ("http",), "dashboard": ("http",)}.get(name, ())


def service_names(ray_nodes: int) -> list[str]:
    """In start order: a service comes after those it depends on."""
    return ["ray-head", *(f"ray-worker-{i}" for i in range(1, ray_nodes + 1)), "mlflow", "prefect-server",
            "prefect-worker", "dashboard", "reaper"]


def base_environment(layout: Layout) -> dict[str, str]:
    """The caller's environment without other Prefect, MLflow or Ray addresses, plus the home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN_PREFIXES)}
    env["DEEPTO_HOME"] = str(layout.settings.root)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def client_settings(layout: Layout, ports: dict[str, dict[str, int]]) -> dict[str, str]:
    """The settings every ``deepto`` command uses while the stack is up (written to deepto.toml)."""
    host, creds = layout.client_host, layout.credentials
    values = {
        "mlflow_tracking_uri": f"http://{host}:{ports['mlflow']['http']}",
        "mlflow_tracking_username": creds.mlflow_user,
        "mlflow_tracking_password": creds.mlflow_password,
        "prefect_api_url": f"http://{host}:{ports['prefect-server']['http']}/api",
        "prefect_api_auth_string": creds.prefect_auth_string,
        "ray_address": f"{host}:{ports['ray-head']['gcs']}",
        "ray_auth_token": creds.ray_token,
        "checkpoint_storage": str(shared_dir(layout.settings.root)),
    }
    if layout.backends.postgres:
        values["database_url"] = layout.backends.platform_url
    return values


def build(name: str, layout: Layout, ports: dict[str, dict[str, int]]) -> Service:
    """The definition of service ``name`` with every service's ports known."""
    if name == "ray-head" or name.startswith("ray-worker-"):
        return _ray_node(name, layout, ports)
    return {"mlflow": _mlflow, "prefect-server": _prefect_server, "prefect-worker": _prefect_worker,
            "dashboard": _dashboard, "reaper": _reaper}[name](layout, ports)


def _get(url: str, **kwargs) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=10, **kwargs)
    except httpx.HTTPError:
        return None


def _ok(url: str, **kwargs) -> Callable[[float], bool]:
    def check(_started_at: float) -> bool:
        response = _get(url, **kwargs)
        return response is not None and response.status_code == 200

    return check


def _ray_env(layout: Layout) -> dict[str, str]:
    token_file = layout.dir / "ray_token"
    if not token_file.exists() or token_file.read_text() != layout.credentials.ray_token:
        write_private(token_file, layout.credentials.ray_token)
    return {**base_environment(layout), "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token_file),
            "RAY_USAGE_STATS_ENABLED": "0"}


def _ray_node(name: str, layout: Layout, ports: dict[str, dict[str, int]]) -> Service:
    own, head = ports[name], ports["ray-head"]
    cpus = layout.settings.ray_num_cpus or max(2, os.cpu_count() or 1)
    command = [sys.executable, "-m", "ray.scripts.scripts", "start", "--block", "--disable-usage-stats",
               "--node-name", name, "--num-cpus", str(cpus), "--object-store-memory", str(OBJECT_STORE_BYTES),
               "--dashboard-agent-listen-port", str(own["agent"]), "--dashboard-agent-grpc-port",
               str(own["agent_grpc"]), "--metrics-export-port", str(own["metrics"]),
               "--runtime-env-agent-port", str(own["runtime_env"])]
    dashboard = f"http://{layout.client_host}:{head['dashboard']}"
    token = {"Authorization": f"Bearer {layout.credentials.ray_token}"}
    if name == "ray-head":
        command += ["--head", "--port", str(head["gcs"]), "--temp-dir", str(layout.ray_temp_dir),
                    "--include-dashboard", "true", "--dashboard-host", layout.host,
                    "--dashboard-port", str(head["dashboard"]), "--ray-client-server-port", str(head["client"])]
        return Service(name, command, _ray_env(layout), own, dashboard, _ok(f"{dashboard}/api/version", headers=token))
    command += ["--address", f"{layout.client_host}:{head['gcs']}"]
    return Service(name, command, _ray_env(layout), own, None, _ray_node_alive(dashboard, token, name), ("ray-head",))


def _ray_node_alive(dashboard: str, headers: dict[str, str], name: str) -> Callable[[float], bool]:
    def check(started_at: float) -> bool:
        response = _get(f"{dashboard}/api/v0/nodes", headers=headers, params={"limit": 1000, "detail": "true"})
        if response is None or response.status_code != 200:
            return False
        nodes = response.json()["data"]["result"]["result"]
        # The head may still list a node of that name that died moments ago: only one started since counts.
        return any(n.get("node_name") == name and n.get("state") == "ALIVE"
                   and n.get("start_time_ms", 0) / 1000 >= started_at - 1 for n in nodes)

    return check


def _mlflow(layout: Layout, ports: dict[str, dict[str, int]]) -> Service:
    port, creds = ports["mlflow"]["http"], layout.credentials
    auth_ini = layout.dir / "mlflow_auth.ini"
    # The auth database URL may hold a database password: the file is private like the credentials.
    url = layout.backends.mlflow_auth_url.replace("%", "%%")
    # The cache spares a scrypt password check (0.1-0.4 s of CPU here) on every request a training logs (one
    # server worker, so a changed password is seen at once where it was changed).
    write_private(auth_ini, "[mlflow]\ndefault_permission = READ\n"
                  f"database_uri = {url}\nadmin_username = {creds.mlflow_user}\n"
                  "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
                  "auth_cache_ttl_seconds = 60\n")
    env = {**base_environment(layout), "MLFLOW_BACKEND_STORE_URI": layout.backends.mlflow_url,
           "MLFLOW_AUTH_CONFIG_PATH": str(auth_ini), "MLFLOW_AUTH_ADMIN_PASSWORD": creds.mlflow_password,
           "MLFLOW_FLASK_SERVER_SECRET_KEY": creds.mlflow_flask_secret,
           # Its job runner (GenAI evaluation jobs, unused here) would add seven processes and ~1.3 GB.
           "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    command = [sys.executable, "-m", "mlflow", "server", "--app-name", "basic-auth", "--serve-artifacts",
               "--artifacts-destination", str(layout.settings.artifact_root), "--host", layout.host,
               "--port", str(port), "--workers", "1"]
    url = f"http://{layout.client_host}:{port}"
    return Service("mlflow", command, env, ports["mlflow"], url, _ok(f"{url}/health"))


def _prefect_server(layout: Layout, ports: dict[str, dict[str, int]]) -> Service:
    port = ports["prefect-server"]["http"]
    env = {**base_environment(layout), **layout.backends.prefect_env,
           "PREFECT_HOME": str(layout.settings.prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_API_AUTH_STRING": layout.credentials.prefect_auth_string,
           "PREFECT_LOGGING_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", layout.host, "--port", str(port)]
    url = f"http://{layout.client_host}:{port}"
    return Service("prefect-server", command, env, ports["prefect-server"], url, _ok(f"{url}/api/health"))


def stack_settings(layout: Layout, ports: dict[str, dict[str, int]]) -> Settings:
    """The settings a process of the stack sees once deepto.toml is written."""
    return layout.settings.model_copy(update=Settings(**client_settings(layout, ports)).model_dump(exclude_unset=True))


def _prefect_worker(layout: Layout, ports: dict[str, dict[str, int]]) -> Service:
    settings = stack_settings(layout, ports)
    env = {**base_environment(layout), **runtime.library_defaults(settings),
           **runtime.prefect_environment(settings), **runtime.credential_environment(settings),
           # Poll often: an inbox scheduled every minute should not wait a further ten seconds.
           "PREFECT_WORKER_QUERY_SECONDS": "5", "PREFECT_LOGGING_LEVEL": "INFO"}
    command = [sys.executable, "-m", "prefect", "worker", "start", "--pool", WORK_POOL, "--type", "process",
               "--name", f"deepto-{layout.client_host}"]
    api = settings.prefect_api_url
    auth = tuple(layout.credentials.prefect_auth_string.split(":", 1))

    def check(_started_at: float) -> bool:
        try:
            response = httpx.post(f"{api}/work_pools/{WORK_POOL}/workers/filter", auth=auth, json={}, timeout=5)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and any(w.get("status") == "ONLINE" for w in response.json())

    return Service("prefect-worker", command, env, {}, None, check, ("prefect-server",))


def _dashboard(layout: Layout, ports: dict[str, dict[str, int]]) -> Service:
    from deepto.auth import hash_password

    port, creds = ports["dashboard"]["http"], layout.credentials
    settings = stack_settings(layout, ports)
    # Its pipelines page reads the schedules from the Prefect API, which wants the stack's login.
    env = {**base_environment(layout), **runtime.prefect_environment(settings),
           **runtime.credential_environment(settings), "DEEPTO_DASHBOARD_USER": creds.dashboard_user,
           "DEEPTO_DASHBOARD_PASSWORD_HASH": hash_password(creds.dashboard_password),
           "DEEPTO_DASHBOARD_ROLE": "admin"}
    command = [sys.executable, "-m", "deepto_cli", "dashboard", "--host", layout.host, "--port", str(port)]
    url = f"http://{layout.client_host}:{port}"
    return Service("dashboard", command, env, ports["dashboard"], url, _ok(f"{url}/_stcore/health"),
                   ("prefect-server",))


def _reaper(layout: Layout, ports: dict[str, dict[str, int]]) -> Service:
    command = [sys.executable, "-m", "deepto.stack.reaper"]
    return Service("reaper", command, base_environment(layout), {}, None, lambda _started_at: True)
