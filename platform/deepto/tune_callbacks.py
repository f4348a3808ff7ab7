"""Ray Tune callbacks of the platform's studies; a module of its own so that importing
:mod:`deepto.tuning` (every CLI start) does not import Ray."""

from __future__ import annotations

from ray import tune

from deepto import training


class FreeEndedTrials(tune.Callback):
    """Frees each trial's Ray Train placement group as soon as the trial ends, not once the study has:
    with trials run one after another, the CPUs that ended trials keep (ray-project/ray#54305) are the
    ones the next trial's workers wait for."""

    def on_trial_complete(self, iteration, trials, trial, **info):
        _free(trial)

    def on_trial_error(self, iteration, trials, trial, **info):
        _free(trial)


def _free(trial) -> None:
    group = (trial.last_result or {}).get(training.PLACEMENT_GROUP)
    if group:
        training.release_placement_groups([group])
