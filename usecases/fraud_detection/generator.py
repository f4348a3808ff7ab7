"""Synthetic card transactions in the batch format, with fraud in the patterns banks report.

Each customer has a home country, favourite merchant categories, a spending level, active hours,
a card and a phone (some a laptop too). Legitimate life is noisy on purpose: people travel, buy a
new phone, make big purchases at electronics and jewellery shops, and make several small online
purchases within minutes. Fraud (about 0.4% of rows) comes as card-testing bursts, account
takeovers from a new device or country, large purchases at merchants whose goods resell easily, and
fraud that looks like an ordinary purchase. Neither a bank's rules nor a model can separate them all.

Everything is drawn with numpy arrays, not per-row Python, so 50,000 rows take well under a second.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from usecases.fraud_detection.data import CATEGORIES, CHANNELS

START = np.datetime64("2025-01-06T00:00:00", "s")
SPAN_DAYS = 56
DAY = 86_400
FRAUD_ROW_RATE = 0.0045
ROWS_PER_CUSTOMER = 30
MEAN_EVENT_ROWS = 3.15
"""Transactions per fraud event, averaged over the kinds below (bursts of about 5.5, takeovers of 3)."""
MIN_FRAUD_EVENTS = 10
"""Enough fraud events that every 15% window of time gets some, so a time split of a small batch
still has fraud in its validation and test parts."""

HOMES = {"US": .55, "GB": .08, "CA": .06, "DE": .05, "FR": .04, "MX": .04, "IN": .04, "ES": .03, "IT": .03,
         "BR": .03, "AU": .02, "NL": .02, "JP": .01}
ABROAD = {"US": .12, "GB": .08, "FR": .1, "ES": .09, "IT": .08, "MX": .08, "DE": .05, "CA": .05, "TH": .05,
          "AE": .04, "PT": .04, "GR": .04, "JP": .03, "BR": .03, "NG": .03, "RO": .03, "PH": .03, "TR": .04}
"""Where travellers go and where remote fraud comes from: the same countries with different
weights, so that a foreign country is a hint, never a proof."""
FRAUD_ABROAD = {**{k: v * 0.5 for k, v in ABROAD.items()}, "NG": .08, "RO": .07, "PH": .06, "BR": .05,
                "TR": .05, "US": .09, "GB": .06}

# name: (share of legitimate spending, median amount in USD, channel weights pos/online/atm/contactless)
CATEGORY_PROFILE = {
    "grocery": (.22, 45, (.5, .05, 0, .45)),
    "fuel": (.10, 45, (.6, 0, 0, .4)),
    "restaurant": (.17, 30, (.5, .05, 0, .45)),
    "online_retail": (.15, 55, (0, .95, 0, .05)),
    "electronics": (.03, 180, (.45, .45, 0, .1)),
    "jewelry": (.01, 250, (.75, .2, 0, .05)),
    "travel": (.03, 300, (.2, .75, 0, .05)),
    "gambling": (.015, 60, (.2, .8, 0, 0)),
    "crypto": (.01, 150, (0, 1, 0, 0)),
    "gift_cards": (.02, 50, (.4, .5, 0, .1)),
    "pharmacy": (.05, 25, (.5, .05, 0, .45)),
    "entertainment": (.07, 35, (.4, .3, 0, .3)),
    "utilities": (.05, 90, (0, 1, 0, 0)),
    "cash_withdrawal": (.07, 100, (0, 0, 1, 0)),
}
assert tuple(CATEGORY_PROFILE) == CATEGORIES
CARD_PRESENT = np.isin(np.array(CHANNELS), ("pos", "atm"))

# kind: (share of fraud events, categories and their weights)
FRAUD_KINDS = {
    "card_testing": (.30, {"online_retail": .4, "gift_cards": .3, "entertainment": .2, "crypto": .1}),
    "takeover": (.35, {"electronics": .3, "gift_cards": .25, "online_retail": .2, "crypto": .15, "travel": .1}),
    "risky_purchase": (.20, {"electronics": .45, "jewelry": .3, "gift_cards": .15, "crypto": .1}),
    "ordinary": (.15, {"grocery": .2, "restaurant": .2, "online_retail": .35, "fuel": .1, "entertainment": .15}),
}


def generate_batch(rows: int, out_path: Path, seed: int = 0) -> Path:
    """Write ``rows`` labelled transactions, sorted by time; Parquet if the path ends in .parquet.

    A path without a suffix gets ``.csv``. Returns the path written. Same seed, same file.
    """
    if rows < 1:
        raise ValueError(f"rows must be at least 1, got {rows}.")
    out_path = Path(out_path)
    if out_path.suffix.lower() not in (".csv", ".parquet"):
        out_path = out_path.with_name(out_path.name + ".csv")
    frame = generate_frame(rows, seed)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if out_path.suffix.lower() == ".parquet":
        frame.to_parquet(out_path, index=False)
    else:
        stamped = frame.assign(timestamp=np.datetime_as_string(frame["timestamp"].to_numpy("datetime64[s]")) + "Z")
        stamped.to_csv(out_path, index=False)
    return out_path


def generate_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """The batch as a table with a parsed timestamp column (UTC)."""
    rng = np.random.default_rng(seed)
    people = _customers(rng, max(20, rows // ROWS_PER_CUSTOMER))
    fraud = _fraud(rng, people, rows)
    legit = _legit(rng, people, rows - len(fraud["t"]))
    parts = {k: np.concatenate([legit[k], fraud[k]]) for k in legit}
    order = np.argsort(parts["t"], kind="stable")
    parts = {k: v[order] for k, v in parts.items()}
    n = len(order)
    return pd.DataFrame({
        "transaction_id": [f"T{i:08d}" for i in range(1, n + 1)],
        "customer_id": people["id"][parts["customer"]],
        "timestamp": START + parts["t"].astype("timedelta64[s]"),
        "amount": np.round(parts["amount"], 2),
        "merchant_category": np.array(CATEGORIES)[parts["category"]],
        "country": parts["country"],
        "channel": np.array(CHANNELS)[parts["channel"]],
        "device_id": np.char.add("D", parts["device"].astype(str)),
        "is_fraud": parts["fraud"].astype(np.int64),
    })


def _pick(rng, weights: dict, size):
    keys = np.array(list(weights))
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=p / p.sum())]


def _rows_from(rng, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (rows, choices) probability matrix."""
    cumulative = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cumulative[:, -1]
    return np.minimum((u[:, None] > cumulative).sum(axis=1), probs.shape[1] - 1)


def _customers(rng, n: int) -> dict:
    shares = np.array([p[0] for p in CATEGORY_PROFILE.values()])
    prefs = rng.dirichlet(shares / shares.sum() * 25, size=n)
    # A few people gamble or trade crypto as a habit: risky categories are not only fraud's.
    for name, share in (("gambling", .05), ("crypto", .04), ("jewelry", .02)):
        habit = rng.random(n) < share
        prefs[habit, CATEGORIES.index(name)] += rng.uniform(.1, .3, habit.sum())
    # One pool of ids, so a fraudster's device looks like anyone else's.
    devices = 1_000_000 + rng.choice(9_000_000, size=5 * n, replace=False)
    return {
        "id": np.array([f"C{i:06d}" for i in rng.permutation(n) + 1]),
        "activity": rng.gamma(2.0, 1.0, n),
        "home": _pick(rng, HOMES, n),
        "prefs": prefs,
        "spend": rng.lognormal(0, .5, n),
        "sigma": rng.uniform(.4, .8, n),
        "hour": np.clip(rng.normal(14, 3, n), 8, 21),
        "hour_spread": rng.uniform(2.5, 5, n),
        "card": devices[:n],
        "phone": devices[n: 2 * n],
        "new_phone": devices[2 * n: 3 * n],
        "laptop": np.where(rng.random(n) < .35, devices[3 * n: 4 * n], -1),
        "spare": devices[4 * n:],
        # Some people get a new phone during the batch (a new device that is not fraud) ...
        "phone_change": np.where(rng.random(n) < .15, rng.uniform(0, SPAN_DAYS * DAY, n), np.inf),
        # ... and some travel (a new country that is not fraud).
        "trip_start": np.where(rng.random(n) < .12, rng.uniform(0, SPAN_DAYS * DAY, n), np.inf),
        "trip_days": rng.uniform(2, 10, n),
        "trip_to": _pick(rng, ABROAD, n),
    }


def _legit(rng, people: dict, rows: int) -> dict:
    n_children = int(round(rows * .04))
    base = rows - n_children
    customer = rng.choice(len(people["id"]), size=base, p=people["activity"] / people["activity"].sum())
    hour = (people["hour"][customer] + people["hour_spread"][customer] * rng.standard_normal(base)) % 24
    t = rng.integers(0, SPAN_DAYS, base) * DAY + (hour * 3600).astype(np.int64)
    category = _rows_from(rng, people["prefs"][customer])
    medians = np.array([p[1] for p in CATEGORY_PROFILE.values()])
    amount = medians[category] * people["spend"][customer] * np.exp(people["sigma"][customer] * rng.standard_normal(base))
    splurge = rng.random(base) < .01
    amount[splurge] *= rng.lognormal(1.5, .5, splurge.sum())

    # Quick runs of small online purchases (in-app, transit, top-ups): legitimate velocity.
    parent = rng.integers(0, base, n_children)
    customer = np.concatenate([customer, customer[parent]])
    t = np.concatenate([t, t[parent] + rng.integers(20, 900, n_children)])
    category = np.concatenate([category, np.where(rng.random(n_children) < .7, CATEGORIES.index("online_retail"),
                                                  CATEGORIES.index("entertainment"))])
    amount = np.concatenate([amount, rng.lognormal(np.log(4), .7, n_children)])

    channel_probs = np.array([p[2] for p in CATEGORY_PROFILE.values()])
    channel = _rows_from(rng, channel_probs[category])
    channel[base:] = CHANNELS.index("online")
    country = people["home"][customer].copy()
    away = (t >= people["trip_start"][customer]) & (t < people["trip_start"][customer] + people["trip_days"][customer] * DAY)
    country[away] = people["trip_to"][customer][away]
    phone = np.where(t >= people["phone_change"][customer], people["new_phone"][customer], people["phone"][customer])
    laptop = people["laptop"][customer]
    use_laptop = (channel == CHANNELS.index("online")) & (laptop >= 0) & (rng.random(rows) < .4)
    device = np.where(CARD_PRESENT[channel], people["card"][customer], np.where(use_laptop, laptop, phone))
    return {"customer": customer, "t": t, "amount": np.maximum(amount, .5), "category": category,
            "channel": channel, "country": country, "device": device, "fraud": np.zeros(rows, bool)}


def _fraud(rng, people: dict, rows: int) -> dict:
    kinds = list(FRAUD_KINDS)
    events = max(int(round(rows * FRAUD_ROW_RATE / MEAN_EVENT_ROWS)), min(MIN_FRAUD_EVENTS, rows // 400))
    kind = rng.choice(len(kinds), size=events, p=[FRAUD_KINDS[k][0] for k in kinds])
    is_kind = {k: kind == i for i, k in enumerate(kinds)}
    size = np.ones(events, np.int64)
    size[is_kind["card_testing"]] = 3 + rng.poisson(2.5, is_kind["card_testing"].sum())
    size[is_kind["takeover"]] = 1 + rng.poisson(2, is_kind["takeover"].sum())
    size += (is_kind["risky_purchase"] | is_kind["ordinary"]) & (rng.random(events) < .3)
    # Evenly spread over the span (with jitter), at any hour: fraudsters keep no one's routine.
    start = ((np.arange(events) + .5 + rng.uniform(-.25, .25, events)) / events * SPAN_DAYS * DAY).astype(np.int64)
    victim = rng.choice(len(people["id"]), size=events, p=people["activity"] / people["activity"].sum())
    new_device = people["spare"][:events]

    event = np.repeat(np.arange(events), size)
    first = np.r_[0, np.cumsum(size)[:-1]]
    step = np.arange(len(event)) - first[event]
    last = step == size[event] - 1
    k = kind[event]
    row_kind = {name: k == i for i, name in enumerate(kinds)}
    customer = victim[event]
    n = len(event)

    gap_mean = np.select([row_kind["card_testing"], row_kind["takeover"]], [90, 1_200], 4 * 3600)
    gaps = np.where(step == 0, 0, rng.exponential(gap_mean)).astype(np.int64)
    t = start[event] + np.cumsum(gaps) - np.cumsum(gaps)[first[event]]

    category = np.empty(n, np.int64)
    for name, (_, weights) in FRAUD_KINDS.items():
        rows_of = row_kind[name]
        category[rows_of] = [CATEGORIES.index(c) for c in _pick(rng, weights, rows_of.sum())]
    medians = np.array([p[1] for p in CATEGORY_PROFILE.values()])
    amount = np.select(
        [row_kind["card_testing"], row_kind["takeover"], row_kind["risky_purchase"]],
        [rng.lognormal(np.log(2), .6, n), rng.lognormal(np.log(250), .8, n), rng.lognormal(np.log(700), .6, n)],
        medians[category] * people["spend"][customer] * rng.lognormal(.5, .5, n),
    )
    # Card testers often cash out with one large purchase once a number works.
    cash_out = row_kind["card_testing"] & last & (rng.random(n) < .5)
    amount[cash_out] = rng.lognormal(np.log(300), .6, cash_out.sum())
    category[cash_out] = [CATEGORIES.index(c) for c in _pick(rng, {"electronics": .4, "gift_cards": .4, "crypto": .2},
                                                                cash_out.sum())]
    amount[row_kind["card_testing"] & ~cash_out] = np.clip(amount[row_kind["card_testing"] & ~cash_out], .5, 10)

    online, pos, contactless = (CHANNELS.index(c) for c in ("online", "pos", "contactless"))
    u = rng.random(events)[event]
    channel = np.select(
        [row_kind["card_testing"], row_kind["takeover"], row_kind["risky_purchase"]],
        [online, np.where(u < .9, online, contactless), np.where(u < .55, pos, online)],
        np.where(u < .6, online, pos),
    )
    new_device_share = np.select([row_kind["card_testing"], row_kind["takeover"], row_kind["risky_purchase"]],
                                 [.85, .8, .6], .35)
    fresh = (rng.random(events)[event] < new_device_share)
    phone = np.where(t >= people["phone_change"][customer], people["new_phone"][customer], people["phone"][customer])
    own = np.where(CARD_PRESENT[channel], people["card"][customer], phone)
    device = np.where(fresh, new_device[event], own)
    abroad_share = np.select([row_kind["card_testing"], row_kind["takeover"], row_kind["risky_purchase"]],
                             [.5, .55, .3], .15)
    foreign = _pick(rng, FRAUD_ABROAD, events)[event]
    country = np.where(rng.random(events)[event] < abroad_share, foreign, people["home"][customer])
    return {"customer": customer, "t": t, "amount": np.maximum(amount, .5), "category": category,
            "channel": channel, "country": country, "device": device, "fraud": np.ones(n, bool)}
