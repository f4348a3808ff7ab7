"""Deepto: deep learning turned into measured business value.

The package is a set of life-cycle stages, one module each: ``usecase`` (the contract and
registry), ``settings``, ``store``, ``validation``, ``training``, ``evaluation``, ``decisions``,
``tracking``, ``scoring``, ``kpis`` and ``cli``. Importing it has no side effects.
"""

__version__ = "0.1.0"
