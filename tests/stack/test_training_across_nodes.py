"""Training on the stack's Ray cluster: workers on different nodes, checkpoints in the folder every node
reaches, and a worker node's death survived by resuming from the last checkpoint, epochs continuing."""

from __future__ import annotations

import json
import re
import subprocess
import time

import httpx
import pytest

pytestmark = [pytest.mark.stack, pytest.mark.slow]
EPOCHS = 6


def ray_api(team_stack, path: str) -> list[dict]:
    dashboard = next(s.url for s in team_stack.stack.status() if s.name == "ray-head")
    token = {"Authorization": f"Bearer {team_stack.settings().ray_auth_token.get_secret_value()}"}
    response = httpx.get(f"{dashboard}{path}", headers=token, timeout=60)
    response.raise_for_status()
    return response.json()["data"]["result"]["result"]


def training_worker_nodes(team_stack) -> list[str]:
    """The Ray node name of each live Ray Train worker, from Ray's state API."""
    names = {node["node_id"]: node["node_name"] for node in ray_api(team_stack, "/api/v0/nodes")}
    actors = ray_api(team_stack, "/api/v0/actors?filter_keys=class_name&filter_predicates=%3D"
                                 "&filter_values=RayTrainWorker&filter_keys=state&filter_predicates=%3D"
                                 "&filter_values=ALIVE")
    return [names[actor["node_id"]] for actor in actors]


def registered_checkpoint(team_stack, run_id: str) -> bool:
    """Whether Ray Train's controller has registered a checkpoint of the run: it takes a reported one
    when it next polls the workers (runtime.TRAIN_ENV), and only a registered one is resumed from."""
    for snapshot in (team_stack.shared_dir / run_id).rglob("checkpoint_manager_snapshot.json"):
        try:
            return bool(json.loads(snapshot.read_text()).get("checkpoint_results"))
        except ValueError:  # caught while Ray writes it
            return False
    return False


def test_workers_spread_over_nodes_and_the_run_survives_a_node_dying(team_stack):
    run = team_stack.popen("train", "fraud-detection", "--rows", "20000", "--workers", "2", "--epochs", str(EPOCHS),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    before = []
    for line in run.stdout:
        before.append(line)
        if f"epoch 2/{EPOCHS}" in line:
            break
    run_id = team_stack.store().runs(usecase="fraud-detection", limit=1)[0]["id"]
    deadline = time.monotonic() + 60
    while not registered_checkpoint(team_stack, run_id) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert registered_checkpoint(team_stack, run_id), "".join(before)
    placed = training_worker_nodes(team_stack)
    assert len(placed) == 2 and len(set(placed)) == 2, placed
    victim = next(node for node in placed if node.startswith("ray-worker-"))
    team_stack.kill_ray_node(victim)
    after = run.stdout.read()
    run.wait()
    assert run.returncode == 0, "".join(before) + after

    # The new worker group resumed from the last registered checkpoint (epoch 1 or later; the old group may
    # have printed an epoch or two more before it died): the run never started again from the first epoch.
    resumed = [int(n) for n in re.findall(rf"epoch (\d+)/{EPOCHS}", after)]
    assert resumed and min(resumed) >= 2, after
    record = team_stack.store().runs(usecase="fraud-detection", limit=1)[0]
    assert record["kind"] == "train" and record["status"] == "succeeded"
    starts = record["params"]["placement"]
    first, restarted = starts[:2], starts[2:]
    assert len({s["node_id"] for s in first}) == 2 and len(restarted) >= 2, (starts, "".join(before) + after)
    # The checkpoints were written where every node reaches.
    assert any((team_stack.shared_dir / record["id"]).rglob("state.pt"))
