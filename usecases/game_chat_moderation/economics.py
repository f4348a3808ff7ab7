"""What a moderation decision on one chat line costs a game studio, in USD, with where each figure comes from.

A toxic line left visible costs players: some of those who read it play less or quit, and some report
it, which a moderator then handles. A harmless line hidden costs goodwill: some senders appeal or
write to support. A moderator's look at one line is a few seconds of a paid person. The figures are
for a mid-sized free-to-play team game in the United States; a studio sets its own (its ARPU,
retention, support and moderation contracts) here.
"""

from __future__ import annotations

from deepto import prices
from deepto.usecase import Economics

MODERATOR_USD_PER_HOUR = 15.0
LOADED = 1.3
REVIEW_SECONDS = 10
REVIEW_COST_USD = round(REVIEW_SECONDS / 3600 * MODERATOR_USD_PER_HOUR * LOADED, 3)

PLAYER_VALUE_USD = 24.0
"""What a player is still worth to the studio: about $1-2 a month for 12-24 more months."""
READERS = 4
QUIT_PER_READER = 0.0025
REPORTED_SHARE = 0.25
REPORT_SECONDS = 60
TOXIC_SHOWN_USD = round(READERS * QUIT_PER_READER * PLAYER_VALUE_USD
                        + REPORTED_SHARE * REPORT_SECONDS / 3600 * MODERATOR_USD_PER_HOUR * LOADED, 2)

SUPPORT_CONTACT_USD = 8.01
APPEAL_SHARE = 0.01
SENDER_QUITS = 0.0005
HARMLESS_HIDDEN_USD = round(APPEAL_SHARE * SUPPORT_CONTACT_USD + SENDER_QUITS * PLAYER_VALUE_USD, 3)

SOURCES = {
    "review_cost_usd": (
        f"{REVIEW_SECONDS} s of a moderator to read a chat line with the two before it and decide (an assumption: "
        "Facebook's contract moderators in Phoenix reviewed up to 400 posts a day, about a minute each, but a post "
        f"is longer than a chat line), at ${MODERATOR_USD_PER_HOUR:.0f}/h (their pay, The Verge, 'The Trauma Floor', "
        f"Casey Newton, February 2019) x {LOADED} for overheads = ${REVIEW_COST_USD} a line."
    ),
    "cost_matrix_usd": (
        f"A toxic line left visible: ${TOXIC_SHOWN_USD} = {READERS} teammates read it (a five-player team chat) x "
        f"{QUIT_PER_READER:.2%} chance each that it makes them quit sooner x ${PLAYER_VALUE_USD:.0f} of a player's "
        "remaining value, plus a moderator's handling of the player reports it draws "
        f"({REPORTED_SHARE:.0%} reported, {REPORT_SECONDS} s each at the review wage). The player value is ARPU of "
        "$1-2 a month for mid-core PvP games (gamedesign.guide, 'What is ARPU') over 12-24 more months; the quit "
        "chance is an assumption: read once in every other match of a 100-match season it adds about 12% to a "
        "player's chance of quitting, where 6 in 10 players say they have quit a game over harassment (Take This and "
        "Nielsen, 2023) and toxic teammates measurably drove new League of Legends players away (Shores et al., "
        f"'The identification of deviance and its impact on retention in a multiplayer game', CSCW 2014). A harmless "
        f"line hidden: ${HARMLESS_HIDDEN_USD} = {APPEAL_SHARE:.0%} of senders write to support or appeal at "
        f"${SUPPORT_CONTACT_USD} a live contact (Gartner, 2019 customer service cost per contact) + "
        f"{SENDER_QUITS:.2%} of senders quit over it x ${PLAYER_VALUE_USD:.0f} (an assumption)."
    ),
    **prices.SOURCES,
    "cases_per_model": (
        "A model is retrained monthly; a mid-sized game with about 100,000 daily players sending about ten chat lines "
        "each moderates 30 million lines a month (an assumption; set your chat volume)."
    ),
    "human_error_rate": (
        "5%: contract moderators whose audited accuracy (agreement with the platform's own reviewers) fell below 95% "
        "risked their job (The Verge, 'The Trauma Floor', 2019), so about one decision in twenty is overturned."
    ),
    "baseline_process": (
        "blocklist, as platforms run it: a keyword list matched when a line is sent, hiding it on a hit and showing "
        "it otherwise, with no moderator in the loop (Blocklist.practised_policy in baselines.py)."
    ),
}

ECONOMICS = Economics(
    review_cost_usd=REVIEW_COST_USD,
    # cost[true][decided], classes (allowed, toxic), decisions (allow, hide).
    cost_matrix_usd=((0.0, HARMLESS_HIDDEN_USD), (TOXIC_SHOWN_USD, 0.0)),
    cpu_core_hour_usd=prices.CPU_CORE_HOUR_USD,
    gpu_hour_usd=prices.GPU_HOUR_USD,
    cases_per_model=30_000_000,
    baseline_process="blocklist",
    sources=SOURCES,
    human_error_rate=0.05,
)
