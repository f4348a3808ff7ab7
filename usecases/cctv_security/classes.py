"""What the model decides for each window of a camera's video, and what each decision does."""

CLASS_NAMES = ("nothing", "intrusion", "loitering")
EVENT_NAMES = CLASS_NAMES[1:]
"""Event names an ``events.csv`` may use; every other window is "nothing"."""

# Index 0 is "nothing of concern": the platform's automatic accept. A window sent to review goes
# to an operator, who watches the clip and decides.
ACTIONS = (
    "ignore",
    "raise an intrusion alarm: dispatch a guard",
    "raise a loitering alarm: talk-down over the site speaker and flag to an operator",
)
