"""The ``deepto`` command line: one entry point for data teams, with worked examples in every help.

It sits on top of everything (the ``deepto`` library, the Prefect flows in ``pipelines``, the
dashboards, the templates), so the library itself depends on none of them. Each module holds one
family of commands; they are registered here, in the order ``deepto --help`` lists them.
"""

from __future__ import annotations

import typer

from deepto_cli import authoring, data, models, reports, stack

app = typer.Typer(
    help="Deepto: deep learning turned into measured business value.\n\n"
    "Examples:\n\n  deepto demo\n\n  deepto train fraud-detection --rows 50000 --workers 2\n\n"
    "  deepto score fraud-detection --data new.csv --out decisions.csv\n\n  deepto kpis --json",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for command in (data.usecases, data.generate, data.validate, models.train, models.tune, models.curve, models.score,
                reports.kpis, reports.runs, reports.demo, reports.dashboard, authoring.new, authoring.check):
    app.command()(command)
app.add_typer(stack.stack_app, name="stack")
app.command("schedule")(stack.schedule_command)

__all__ = ["app"]
