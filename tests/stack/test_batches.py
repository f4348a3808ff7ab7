"""A batch is decided once: content hashes, atomic claims (SQLite and PostgreSQL), the inbox scan."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from deepto.errors import ConfigError, ValidationFailed
from deepto.schedules.inbox import SETTLE_S, claim, content_sha256, pending, score_inbox
from deepto.store import Store

SHA = "ab" * 32


def _settled(path: Path, text: str) -> None:
    """A file copied in a while ago."""
    path.write_text(text)
    then = time.time() - 60
    os.utime(path, (then, then))


def test_a_batch_is_known_by_its_content_not_its_name(tmp_path):
    (tmp_path / "monday.csv").write_text("a,b\n1,2\n")
    (tmp_path / "copy-of-monday.csv").write_text("a,b\n1,2\n")
    (tmp_path / "tuesday.csv").write_text("a,b\n1,3\n")
    assert content_sha256(tmp_path / "monday.csv") == content_sha256(tmp_path / "copy-of-monday.csv")
    assert content_sha256(tmp_path / "monday.csv") != content_sha256(tmp_path / "tuesday.csv")


def test_a_folder_batch_hashes_its_files_and_their_places_but_not_its_own_name(tmp_path):
    for folder in ("photos-1", "photos-2"):
        (tmp_path / folder / "healthy").mkdir(parents=True)
        (tmp_path / folder / "healthy" / "leaf.png").write_bytes(b"\x89PNG leaf")
    (tmp_path / "photos-2" / ".DS_Store").write_bytes(b"finder junk")
    assert content_sha256(tmp_path / "photos-1") == content_sha256(tmp_path / "photos-2")
    (tmp_path / "photos-2" / "healthy" / "leaf.png").rename(tmp_path / "photos-2" / "healthy" / "other.png")
    # The path inside a batch can carry its label (a class folder): moving a file changes the batch.
    assert content_sha256(tmp_path / "photos-1") != content_sha256(tmp_path / "photos-2")
    with pytest.raises(ConfigError, match="does not exist"):
        content_sha256(tmp_path / "missing.csv")


def test_the_inbox_skips_hidden_partial_and_still_changing_batches(tmp_path):
    for name in ("a.csv", ".hidden.csv", "b.csv.part", "~lock.csv"):
        _settled(tmp_path / name, "x")
    (tmp_path / "fresh.csv").write_text("x")
    assert [p.name for p in pending(tmp_path)] == ["a.csv"]
    assert [p.name for p in pending(tmp_path, now=time.time() + SETTLE_S + 1)] == ["a.csv", "fresh.csv"]
    with pytest.raises(ConfigError, match="not a folder"):
        pending(tmp_path / "nowhere")


def test_a_second_claim_on_the_same_content_gets_nothing_and_learns_who_decided(platform_url, tmp_path):
    store = Store.open(platform_url)
    run_id = store.claim_batch("fraud", SHA, "monday.csv", {"data": "monday.csv"})
    assert run_id and store.runs()[0]["status"] == "running"
    assert store.claim_batch("fraud", SHA, "copy.csv") is None
    assert store.claim_batch("crops", SHA, "copy.csv") is not None, "another use-case's batch is its own"
    store.finish_run(run_id, "succeeded")
    earlier = store.batch_claim("fraud", SHA)
    assert (earlier["run_id"], earlier["path"], earlier["status"], earlier["retry"]) == \
        (run_id, "monday.csv", "succeeded", False)
    batch = tmp_path / "copy.csv"
    batch.write_text("x")
    other = claim(store, "fraud", batch, {})
    assert other.run_id is not None, "different content"
    assert claim(store, "fraud", batch, {}).earlier["run_id"] == other.run_id


def _race(url: str, attempts: int, usecase: str, sha: str) -> list[str | None]:
    stores = [Store(url) for _ in range(attempts)]
    start, results = threading.Barrier(attempts), []

    def attempt(store):
        start.wait()
        results.append(store.claim_batch(usecase, sha, f"copy-{id(store)}.csv"))

    threads = [threading.Thread(target=attempt, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_claims_let_exactly_one_run_decide_a_batch(platform_url):
    Store.open(platform_url)
    results = _race(platform_url, 6, "fraud", SHA)
    assert sum(r is not None for r in results) == 1
    assert len(Store(platform_url).runs()) == 1, "the losers leave no run behind"


def test_a_batch_whose_run_failed_before_booking_is_taken_over_once(platform_url):
    store = Store.open(platform_url)
    failed = store.claim_batch("fraud", SHA, "monday.csv")
    store.finish_run(failed, "failed", message="no champion yet")
    assert store.batch_claim("fraud", SHA)["retry"] is True
    results = _race(platform_url, 4, "fraud", SHA)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1 and store.batch_claim("fraud", SHA)["run_id"] == winners[0]


@pytest.mark.parametrize("status", ["refused", "succeeded"])
def test_a_refused_or_decided_batch_is_never_taken_again(store, status):
    run_id = store.claim_batch("fraud", SHA, "monday.csv")
    store.finish_run(run_id, status)
    assert store.claim_batch("fraud", SHA, "again.csv") is None


def test_a_failed_run_that_booked_its_kpis_keeps_its_batch(store):
    run_id = store.claim_batch("fraud", SHA, "monday.csv")
    store.add_kpi_record(run_id, "fraud", "batch", False, n_cases=1, n_automated=1, n_reviews=0,
                         review_cost_usd=0.0, compute_cost_usd=0.0, platform_cost_usd=0.0, automation_rate=1.0)
    store.finish_run(run_id, "failed", message="crashed after booking")
    assert store.batch_claim("fraud", SHA)["retry"] is False
    assert store.claim_batch("fraud", SHA, "again.csv") is None


def test_the_inbox_scores_new_batches_once_and_goes_on_after_a_refusal(store, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, content in (("1-good.csv", "good"), ("2-bad.csv", "bad"), ("3-broken.csv", "broken"),
                          ("4-good-again.csv", "good")):
        _settled(inbox / name, content)
    scored = []

    def score(path):
        # Stands in for the score flow: it claims, then validation refuses or the champion decides.
        content = Path(path).read_text()
        run_id = store.claim_batch("fraud", content_sha256(Path(path)), path)
        if run_id is None:
            return {"already_decided": True}
        scored.append(Path(path).name)
        if content == "bad":
            store.finish_run(run_id, "refused")
            raise ValidationFailed("refused")
        if content == "broken":
            store.finish_run(run_id, "failed")
            raise RuntimeError("the model server is down")
        store.finish_run(run_id, "succeeded")
        return {"run_id": run_id}

    report = score_inbox(store, "fraud", inbox, score)
    assert (report.decided, report.refused, report.known) == (["1-good.csv"], ["2-bad.csv"], ["4-good-again.csv"])
    assert report.failed == {"3-broken.csv": "RuntimeError: the model server is down"}
    again = score_inbox(store, "fraud", inbox, score)
    # Only the batch that failed for a reason other than its content is tried again.
    assert scored == ["1-good.csv", "2-bad.csv", "3-broken.csv", "3-broken.csv"]
    assert sorted(again.known) == ["1-good.csv", "2-bad.csv", "4-good-again.csv"]
