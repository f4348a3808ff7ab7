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
