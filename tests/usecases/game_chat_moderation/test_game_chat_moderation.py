"""Game chat moderation honours the Deepto contract: `deepto check game-chat-moderation` as a test (deepto.testing).

It generates a small batch, makes sure spoiled copies of it are refused and an unlabelled one is
accepted for scoring, then trains for two epochs and decides the unlabelled batch. Add tests of your
own beside it for what is specific to your business (a rule, a feature, the generator's shares).
"""

import pytest

from deepto.testing import assert_contract


@pytest.mark.slow
def test_game_chat_moderation_honours_the_contract(tmp_path):
    assert_contract("game-chat-moderation", tmp_path)


def test_the_same_seed_gives_the_same_batch_in_any_process(tmp_path):
    """Python salts string hashes per process; nothing the generator draws may follow a set's order."""
    import hashlib
    import os
    import subprocess
    import sys

    script = ("import sys; from pathlib import Path; from usecases.game_chat_moderation.generator import generate_batch; "
              "generate_batch(400, Path(sys.argv[1]), 3)")
    digests = []
    for salt in ("1", "2"):
        out = tmp_path / f"chat-{salt}.csv"
        subprocess.run([sys.executable, "-c", script, str(out)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": salt})
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
