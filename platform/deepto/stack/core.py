"""``deepto stack up | down | status``: the team's servers as processes on one host.

``up`` starts what is not running (and what depends on something it restarted), waits until each
service answers its health check, creates the Prefect work pool, then writes the addresses and
credentials to deepto.toml, so every ``deepto`` command uses the stack. The pids, start times and
ports go to ``<home>/stack/state.json``: ``down`` stops exactly those processes (and everything they
started), and an ``up`` after a crash or a reboot tells a live service from a stale pid.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from deepto.errors import DeeptoError
from deepto.settings import Settings, config_path, get_settings
from deepto.stack import backends, config_file, processes, secrets
from deepto.stack.processes import Proc
from deepto.stack.services import (WORK_POOL, Layout, Service, build, client_settings, port_names, ray_temp_dir,
                                   service_names, shared_dir)

# Generous: on a busy two-core laptop, MLflow or a Ray node can take minutes to come up.
STARTUP_TIMEOUT_S = 600.0
_FIRST = ("ray-head", "mlflow", "prefect-server", "dashboard", "reaper")


class StackError(DeeptoError):
    """A stack service did not start or answer."""


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    url: str | None
    pid: int
    alive: bool
    healthy: bool
    log: Path


class Stack:
    """The team stack of one ``DEEPTO_HOME``; creating the object starts nothing."""

    def __init__(self, settings: Settings | None = None, config_file: Path | None = None):
        self.settings = settings or get_settings()
        # Where every deepto command reads its settings; given explicitly by a caller that is not one.
        self.config_file = config_file or config_path()
        self.dir = self.settings.root / "stack"
        self.state_file = self.dir / "state.json"
        self.credentials_file = self.dir / "credentials.toml"

    # State

    def _state(self) -> dict:
        return json.loads(self.state_file.read_text()) if self.state_file.exists() else {"services": {}}

    def _save(self, state: dict) -> None:
        secrets.write_private(self.state_file, json.dumps(state, indent=2))

    @contextlib.contextmanager
    def _locked(self):
        """One ``up`` or ``down`` at a time per home."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _layout(self, host: str, ray_nodes: int) -> Layout:
        return Layout(self.settings, secrets.load_or_create(self.credentials_file), backends.plan(self.settings),
                      host, ray_nodes)

    def _log(self, name: str) -> Path:
        return self.dir / "logs" / f"{name}.log"

    @property
    def shared_dir(self) -> Path:
        return shared_dir(self.settings.root)

    def is_up(self) -> bool:
        return bool(self._state()["services"])

    # up

    def up(self, ray_nodes: int = 2, host: str = "127.0.0.1",
           on_event: Callable[[str], None] = lambda message: None) -> list[ServiceStatus]:
        """Start every service that is not running; returns their status once all are healthy."""
        with self._locked():
            state = self._state()
            live = {n: s for n, s in state["services"].items() if processes.alive(Proc.from_dict(s["proc"]))}
            if live and state.get("host") not in (None, host):
                raise StackError(f"The stack runs on {state['host']}; stop it with `deepto stack down` "
                                 f"before starting it on {host}.")
            layout = self._layout(host, ray_nodes)
            backends.prepare(layout.backends)
            for path in (self.shared_dir, self.settings.artifact_root, self.settings.prefect_home):
                path.mkdir(parents=True, exist_ok=True)
            names = service_names(ray_nodes)
            for name in [n for n in state["services"] if n not in names]:
                on_event(f"stopping {name} (not part of a stack of {ray_nodes} Ray worker nodes)")
                processes.stop([Proc.from_dict(state["services"].pop(name)["proc"])])
            state.update(host=host, ray_nodes=ray_nodes)
            ports = self._ports(names, state, live)
            started = _Starter(self, layout, state, ports, live, on_event)
            started.run(names)
            config_file.write(self.config_file, client_settings(layout, ports))
            self._save(state)
        return self.status()

    def _ports(self, names: list[str], state: dict, live: dict) -> dict[str, dict[str, int]]:
        """Running services keep their ports; the others get their previous port if it is free."""
        ports, taken = {}, set()
        for name in names:
            previous = state["services"].get(name, {}).get("ports", {})
            ports[name] = {}
            for key in port_names(name):
                port = previous[key] if name in live else processes.pick_port(previous.get(key), taken)
                ports[name][key] = port
                taken.add(port)
        return ports

    # down and status

    def down(self, on_event: Callable[[str], None] = lambda message: None) -> list[str]:
        """Stop every process ``up`` started (and all they started); back to embedded mode."""
        with self._locked():
            state = self._state()
            procs = {n: Proc.from_dict(s["proc"]) for n, s in state["services"].items()}
            if procs:
                on_event(f"stopping {', '.join(procs)}")
            processes.stop(list(procs.values()))
            config_file.remove(self.config_file)
            self.state_file.unlink(missing_ok=True)
            shutil.rmtree(ray_temp_dir(self.settings.root), ignore_errors=True)
            return list(procs)

    def status(self) -> list[ServiceStatus]:
        state = self._state()
        if not state["services"]:
            return []
        layout = self._layout(state["host"], state["ray_nodes"])
        ports = {n: s["ports"] for n, s in state["services"].items()}
        out = []
        order = service_names(state["ray_nodes"])
        for name, saved in sorted(state["services"].items(), key=lambda item: order.index(item[0])):
            service, proc = build(name, layout, ports), Proc.from_dict(saved["proc"])
            alive = processes.alive(proc)
            healthy = alive and _probe(service, proc.started_at)
            out.append(ServiceStatus(name, service.url, proc.pid, alive, healthy, self._log(name)))
        return out

    # For clients and tests

    def client_settings(self) -> Settings:
        """The settings a ``deepto`` command sees while this stack is up (without reading the environment)."""
        state = self._state()
        if not state["services"]:
            raise StackError("The stack is not up: start it with `deepto stack up`.")
        layout = self._layout(state["host"], state["ray_nodes"])
        ports = {n: s["ports"] for n, s in state["services"].items()}
        return Settings(**{**self.settings.model_dump(exclude_unset=True), **client_settings(layout, ports)})

    @property
    def ray_address(self) -> str:
        return self.client_settings().ray_address

    def ray_node_names(self) -> list[str]:
        return [n for n in self._state()["services"] if n.startswith("ray-worker-")]

    def raylet_pid(self, node: str) -> int | None:
        """The pid of a Ray node's raylet (``ray-head`` or ``ray-worker-N``), None if it is not running."""
        saved = self._state()["services"].get(node)
        if saved is None:
            raise StackError(f"The stack has no Ray node {node!r}; it has {', '.join(self.ray_node_names())}.")
        for process in processes.members(Proc.from_dict(saved["proc"])):
            with contextlib.suppress(Exception):
                if process.name() == "raylet":
                    return process.pid
        return None

    def kill_ray_node(self, node: str = "ray-worker-1", sig: int = signal.SIGKILL) -> int:
        """Kill a Ray node's raylet, as a crashed machine would (the rest of that node then exits);
        returns the raylet's pid. ``deepto stack up`` starts the node again."""
        pid = self.raylet_pid(node)
        if pid is None:
            raise StackError(f"Ray node {node} has no running raylet.")
        psutil.Process(pid).send_signal(sig)
        return pid


def _probe(service: Service, started_at: float, tries: int = 3, pause_s: float = 2.0) -> bool:
    """A live service counts as unhealthy only when several probes in a row fail: on a loaded 2-core machine
    one health request (the Ray head's node list above all) can miss its timeout while the service is fine."""
    for attempt in range(tries):
        if service.healthy(started_at):
            return True
        if attempt < tries - 1:
            time.sleep(pause_s)
    return False


class _Starter:
    """One ``up``: starts services in dependency order, several at once where they are independent."""

    def __init__(self, stack: Stack, layout: Layout, state: dict, ports: dict, live: dict, on_event):
        self.stack, self.layout, self.state, self.ports, self.live = stack, layout, state, ports, live
        self.on_event, self.restarted = on_event, set()

    def run(self, names: list[str]) -> None:
        services = {name: build(name, self.layout, self.ports) for name in names}
        for name in [n for n in _FIRST if n in services]:
            self._start(services[name])
        self._wait(services["ray-head"])
        for name in [n for n in names if n.startswith("ray-worker-")]:
            # One node at a time: a raylet gives up after 30 s of startup, which parallel starts exceed here.
            self._start(services[name])
            self._wait(services[name])
        self._wait(services["prefect-server"])
        self._ensure_work_pool(services["prefect-server"])
        self._start(services["prefect-worker"])
        for name in ("mlflow", "dashboard", "reaper", "prefect-worker"):
            self._wait(services[name])

    def _start(self, service: Service) -> None:
        name = service.name
        if name in self.live and not self.restarted & set(service.depends_on):
            self.on_event(f"{name} already running (pid {self.live[name]['proc']['pid']})")
            return
        if name in self.live:
            processes.stop([Proc.from_dict(self.live[name]["proc"])])
        self.on_event(f"starting {name}")
        proc = processes.spawn(service.command, service.env, self.stack._log(name), self.stack.dir)
        # Saved at once: if anything later fails, `deepto stack down` still finds this process.
        self.state["services"][name] = {"proc": proc.to_dict(), "ports": service.ports, "started": time.time()}
        self.stack._save(self.state)
        self.restarted.add(name)

    def _wait(self, service: Service, retry: bool = True) -> None:
        saved = self.state["services"][service.name]
        proc = Proc.from_dict(saved["proc"])
        if not processes.wait_until(lambda: service.healthy(proc.started_at), STARTUP_TIMEOUT_S, proc):
            if retry and service.name in self.restarted and not processes.alive(proc):
                # A Ray node gives up when its raylet has not registered within Ray's fixed 30 s, which a
                # busy machine can exceed; a second start usually finds it quieter.
                self.on_event(f"{service.name} exited while starting; starting it once more")
                self.live.pop(service.name, None)
                self._start(service)
                self._wait(service, retry=False)
                return
            why = "exited" if not processes.alive(proc) else f"did not answer within {STARTUP_TIMEOUT_S:.0f} s"
            raise StackError(f"{service.name} {why}; see {self.stack._log(service.name)}. "
                             "`deepto stack down` stops what did start.")
        if service.name in self.restarted:
            self.on_event(f"{service.name} healthy after {time.time() - saved['started']:.0f} s")

    def _ensure_work_pool(self, server: Service) -> None:
        from deepto.schedules.deployments import ensure_work_pool

        ensure_work_pool(f"{server.url}/api", self.layout.credentials.prefect_auth_string, WORK_POOL)
