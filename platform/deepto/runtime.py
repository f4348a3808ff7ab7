"""Starting the services a run needs (Ray, MLflow, Prefect) from the settings, quietly.

Called by entry points, never at import: connecting to Ray or pointing MLflow somewhere are side
effects that tests and embedding applications must control.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
from collections.abc import Callable

from deepto.settings import Settings


CHATTY_LOGGERS = ("alembic", "great_expectations", "mlflow", "ray", "py.warnings", "urllib3", "httpx", "filelock",
                  "matplotlib", "numexpr", "torch.distributed")
"""Libraries that report their internals at INFO or WARNING; users see Deepto's stages and results."""
SELF_LEVELLED_LOGGERS = ("great_expectations.data_context.types.base",)
"""Loggers that set their own level when their module is imported (after this runs): a filter holds them."""


class _Floor(logging.Filter):
    def __init__(self, level: int):
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level


def configure_logging(settings: Settings) -> None:
    """Quiet by levels on the loggers that talk, not by silencing the process: an error anywhere still
    shows, and ``--verbose`` brings every library's own log back.

    Libraries that set their own level when imported read it from their variables instead
    (PREFECT_LOGGING_LEVEL, MLFLOW_LOGGING_LEVEL: see :func:`library_defaults`); Python warnings
    become records of the ``py.warnings`` logger, shown only when verbose.
    """
    level = logging.INFO if settings.verbose else logging.ERROR
    logging.captureWarnings(not settings.verbose)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(level)
    for name in SELF_LEVELLED_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, _Floor)]:
            logger.removeFilter(old)
        logger.addFilter(_Floor(level))


@contextlib.contextmanager
def quiet_stderr(settings: Settings):
    """MLflow's registry prints its progress straight to stderr; hide it unless verbose."""
    if settings.verbose:
        yield
        return
    with contextlib.redirect_stderr(io.StringIO()):
        yield


def prefect_environment(settings: Settings) -> dict[str, str]:
    """Prefect reads its own PREFECT_* variables; derive them from Deepto's settings."""
    env = {
        "PREFECT_HOME": str(settings.prefect_home),
        "PREFECT_LOGGING_LEVEL": "INFO" if settings.verbose else "CRITICAL",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    if settings.prefect_api_url:
        env["PREFECT_API_URL"] = settings.prefect_api_url
    if settings.prefect_api_auth_string:
        env["PREFECT_API_AUTH_STRING"] = settings.prefect_api_auth_string.get_secret_value()
    return env


def credential_environment(settings: Settings) -> dict[str, str]:
    """MLflow's and Ray's own variables for the credentials the settings give (none by default).

    Environment variables, not arguments: they reach the Prefect worker's flow runs and Ray's
    processes without ever appearing on a command line.
    """
    env = {}
    if settings.mlflow_tracking_username and settings.mlflow_tracking_password:
        env["MLFLOW_TRACKING_USERNAME"] = settings.mlflow_tracking_username
        env["MLFLOW_TRACKING_PASSWORD"] = settings.mlflow_tracking_password.get_secret_value()
    if settings.ray_auth_token:
        env["RAY_AUTH_MODE"] = "token"
        env["RAY_AUTH_TOKEN"] = settings.ray_auth_token.get_secret_value()
    return env


def library_defaults(settings: Settings) -> dict[str, str]:
    """Quiet, synchronous library behaviour, unless the environment says otherwise."""
    # The temporary Prefect server's 20 s start-up limit fails on a busy laptop; Tune's live tables
    # are progress output like Ray Data's bars.
    return {"RAY_DATA_DISABLE_PROGRESS_BARS": "0" if settings.verbose else "1", "GX_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
            "RAY_AIR_NEW_OUTPUT": "1" if settings.verbose else "0",
            "MLFLOW_ENABLE_ASYNC_LOGGING": "false", "MLFLOW_LOGGING_LEVEL": "INFO" if settings.verbose else "ERROR",
            "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "true" if settings.verbose else "false"}


def apply_service_environment(settings: Settings) -> None:
    """Set the variables the libraries read; must run before Prefect and Ray are imported."""
    os.environ.update(prefect_environment(settings))
    os.environ.update(credential_environment(settings))
    for key, value in library_defaults(settings).items():
        os.environ.setdefault(key, value)


def start_prefect_api(settings: Settings) -> Callable[[], None]:
    """Start Prefect's temporary API in the background where no Prefect server is configured, and
    return the wait for it.

    The first flow run of a process starts that server and waits for it (10-20 s on two cores), then
    every flow run of the process uses it. Started here, it comes up while the command starts Ray and
    reads or generates its batch. Call the wait before the first flow run: a flow run during the
    start would start a second server. The wait raises what the start raised.
    """
    if settings.prefect_api_url:
        return lambda: None
    failure: list[BaseException] = []

    def start():
        from prefect.client.orchestration import get_client

        try:
            get_client(sync_client=True)
        except BaseException as exc:  # re-raised by the wait, in the command's thread
            failure.append(exc)

    thread = threading.Thread(target=start, name="prefect-api-start", daemon=True)
    thread.start()

    def wait():
        thread.join()
        if failure:
            raise failure[0]

    return wait


TRAIN_ENV = {"RAY_TRAIN_HEALTH_CHECK_INTERVAL_S": "0.2", "RAY_TRAIN_METRICS_ENABLED": "0"}
"""Ray Train settings, read by the process that starts a run (the driver, or a Ray Tune trial: hence
both this process's environment and the job's runtime environment) and by the run's controller. The
controller learns that the workers finished, or registers a reported checkpoint, only when it next
polls them: every 2 s by default, and a run's end waits on several polls. A poll is a cheap actor call,
and one that takes longer than the interval is only retried (a worker counts as dead after 10 minutes
of silence). Ray Train's metrics feed Ray's Prometheus dashboard, which Deepto neither starts nor reads,
and cost every run's start."""


def ensure_ray(settings: Settings):
    """Connect to the configured Ray cluster, or start a local one; reuse one already running."""
    import ray

    for key, value in TRAIN_ENV.items():
        os.environ.setdefault(key, value)
    if ray.is_initialized():
        return ray
    os.environ.update(credential_environment(settings))
    kwargs = dict(
        log_to_driver=settings.verbose,
        logging_level=logging.INFO if settings.verbose else logging.ERROR,
        include_dashboard=False,
        runtime_env={"env_vars": {"RAY_DATA_DISABLE_PROGRESS_BARS": "0" if settings.verbose else "1",
                                  **{key: os.environ[key] for key in TRAIN_ENV}}},
    )
    if settings.ray_address:
        ray.init(address=settings.ray_address, **kwargs)
    else:
        num_cpus = settings.ray_num_cpus or (os.cpu_count() or 1) + 2
        ray.init(num_cpus=num_cpus, **kwargs)
    from ray.data import DataContext

    DataContext.get_current().enable_progress_bars = settings.verbose
    # Ray Data configures its own logger when imported, with a console handler at INFO beside its
    # session log file: without this, every scoring run on Ray Data prints its execution plan.
    for handler in logging.getLogger("ray.data").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setLevel(logging.INFO if settings.verbose else logging.ERROR)
    return ray


def ensure_mlflow(settings: Settings):
    import mlflow

    # MLflow's client reads its credentials from the environment on every request.
    os.environ.update(credential_environment(settings))
    mlflow.set_tracking_uri(settings.tracking_uri)
    return mlflow
