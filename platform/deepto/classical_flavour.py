"""A classical model (a baseline on hand-crafted features) as an MLflow pyfunc model.

It reads the batch table itself, as the use-case's baseline does, and returns class probabilities;
``unwrap_python_model().baseline`` gives the fitted baseline back to Deepto's scoring.
"""

from __future__ import annotations

import mlflow.pyfunc
import numpy as np


class ClassicalModel(mlflow.pyfunc.PythonModel):
    def __init__(self, baseline):
        self.baseline = baseline

    def predict(self, context, model_input, params=None):
        return np.asarray(self.baseline.predict_proba(model_input), dtype=float)
