"""Labelled synthetic game chat in the documented format, for the demo, the tests and `deepto check`.

Each channel is a match's chat: a handful of players, some of them prone to abuse (a few percent of
players send most toxic messages, as platforms' enforcement reports describe), a mood that sours
after lost fights, and turns that answer the previous line. What a moderator would decide is the
label, with 2% of labels flipped because moderators disagree. Toxic players
who have met the filter disguise the listed insults: l33t, spacing, symbols, stretched letters,
misspellings. Harmless messages carry typos and insult words used harmlessly (chat.py). Nothing
here was tuned towards the model: every phenomenon is one keyword filters are known to fail on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import chat
from .batch import CLASS_NAMES

ABUSER_SHARE = 0.12
"""Players who send toxic messages now and then; the rest almost never do."""
ABUSER_RATE, PLAYER_RATE = 0.35, 0.015
TILT = 0.5
"""Extra toxicity of every player once the team has lost a fight or two (the second half of a match)."""
EVADER_SHARE = 0.5
"""Abusers who disguise listed words, having seen the filter hide their messages before."""
LABEL_NOISE = 0.02
TYPO_RATE = 0.15
"""Messages typed with a letter missing."""
LEET = {"a": "4@", "e": "3", "i": "1!", "o": "0", "s": "5$", "t": "7"}
START = pd.Timestamp("2025-06-02T18:00:00")
SYLLABLES = ("xx", "dark", "pro", "zer", "kai", "mo", "neo", "vex", "lil", "sn1per", "ace", "ghost", "rin", "tox",
             "blade", "luna", "max", "kid", "wolf", "99", "ttv", "yt", "jin", "ok")


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _player(rng: np.random.Generator) -> str:
    return "".join(_pick(rng, SYLLABLES) for _ in range(int(rng.integers(2, 4))))


def disguise(rng: np.random.Generator, word: str) -> str:
    """One of the ways people get a listed word past a filter."""
    how = int(rng.integers(6))
    if how == 0:
        return "".join(_pick(rng, LEET[c]) if c in LEET and rng.random() < 0.6 else c for c in word)
    if how == 1:
        return " ".join(word)
    if how == 2:
        return _pick(rng, (".", "-", "_", "*")).join(word)
    if how == 3:
        i = int(rng.integers(len(word)))
        return word[:i] + word[i] * int(rng.integers(3, 6)) + word[i + 1:]
    if how == 4 and len(word) > 3:
        i = int(rng.integers(1, len(word) - 2))
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    vowels = [i for i, c in enumerate(word) if c in "aeiou"]
    i = _pick(rng, vowels) if vowels else 0
    return word[:i] + "*" + word[i + 1:]


def _typos(rng: np.random.Generator, text: str) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    # A short call ("b", "gg") loses its meaning, or all of itself, with a letter gone.
    if len(letters) < 4 or rng.random() >= TYPO_RATE:
        return text
    i = _pick(rng, letters)
    return text[:i] + text[i + 1:]


def _fill(rng: np.random.Generator, template: str, players: list[str], word: str = "", evader: bool = False) -> str:
    name = _pick(rng, chat.NAMES).format(role=_pick(rng, chat.ROLES), player=_pick(rng, players))
    are = _pick(rng, ("are", "r", "'re")) if name in ("you", "u") else "is"
    if evader and word in chat.INSULTS:
        word = disguise(rng, word)
    text = template.format(name=name, are=are, insult=word, slang=word, role=_pick(rng, chat.ROLES),
                           player=_pick(rng, players), thing=_pick(rng, chat.THINGS))
    return text.replace(" 're", "'re")


def _toxic(rng: np.random.Generator, previous: str, players: list[str], evader: bool) -> str:
    if previous in chat.APOLOGIES and rng.random() < 0.5:
        return _pick(rng, chat.CRUEL_REPLIES)
    kind = rng.random()
    if kind < 0.45:
        return _fill(rng, _pick(rng, chat.INSULT_TEMPLATES), players, _pick(rng, chat.INSULTS), evader)
    if kind < 0.85:
        return _fill(rng, _pick(rng, chat.SLANG_TEMPLATES), players, _pick(rng, chat.SLANG))
    severe = _pick(rng, chat.HARASSMENT)
    return disguise(rng, severe) if evader and " " not in severe else severe


def _harmless(rng: np.random.Generator, previous: str, players: list[str]) -> str:
    if previous in chat.APOLOGIES and rng.random() < 0.6:
        return _pick(rng, chat.KIND_REPLIES)
    if previous in chat.TECH_TROUBLE and rng.random() < 0.7:
        return _pick(rng, chat.TECH_REPLIES)
    kind = rng.random()
    if kind < 0.45:
        text = _fill(rng, _pick(rng, chat.CALLS), players)
    elif kind < 0.85:
        text = _pick(rng, chat.BANTER)
    elif kind < 0.95:
        text = _pick(rng, chat.APOLOGIES)
    else:
        text = _pick(rng, chat.TECH_TROUBLE)
    return _typos(rng, text)


def channel(rng: np.random.Generator, length: int) -> list[tuple[str, str, bool]]:
    """(sender, message, toxic) for one match's chat."""
    players = [_player(rng) for _ in range(int(rng.integers(4, 11)))]
    abusers = {p for p in players if rng.random() < ABUSER_SHARE}
    # In the players' order: a set's order follows string hashing, which changes from process to process,
    # and with it which abuser each draw decides, so the same seed gave other batches.
    evaders = {p for p in dict.fromkeys(players) if p in abusers and rng.random() < EVADER_SHARE}
    sour = rng.random() < 0.5
    lines, previous = [], ""
    for turn in range(length):
        sender = _pick(rng, players)
        rate = ABUSER_RATE if sender in abusers else PLAYER_RATE
        if sour and turn > length / 2:
            rate *= 1 + TILT
        toxic = bool(rng.random() < rate)
        text = _toxic(rng, previous, players, sender in evaders) if toxic else _harmless(rng, previous, players)
        lines.append((sender, text, toxic))
        previous = text
    return lines


def generate_batch(rows: int, path: Path, seed: int = 0) -> Path:
    """Write ``rows`` chat messages (whole channels, the last one cut) to ``path`` (.csv unless it ends in
    .parquet); the same seed gives the same batch."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".parquet"):
        path = path.with_suffix(".csv")
    rng = np.random.default_rng(seed)
    records, number = [], 0
    while len(records) < rows:
        number += 1
        begins = rng.uniform(0, 7 * 86400)
        seconds = begins + np.cumsum(rng.uniform(1, 25, size=int(rng.integers(12, 45))))
        for (sender, text, toxic), offset in zip(channel(rng, len(seconds)), seconds):
            records.append((f"S{seed}-{number:05d}", offset, sender, text, toxic))
    records = records[:rows]
    sent = START + pd.to_timedelta(np.array([r[1] for r in records]), unit="s")
    toxic = np.array([r[4] for r in records]) ^ (rng.random(rows) < LABEL_NOISE)
    frame = pd.DataFrame({
        "message_id": [f"M{seed}-{i:07d}" for i in range(rows)],
        "channel_id": [r[0] for r in records],
        "sent_at": sent.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sender_id": [r[2] for r in records],
        "message": [r[3] for r in records],
        "label": np.asarray(CLASS_NAMES)[toxic.astype(int)],
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False) if path.suffix.lower() == ".parquet" else frame.to_csv(path, index=False)
    return path
