"""Scheduled pipelines on the team stack: Prefect deployments (``deployments``) and the inbox of new
batches, each decided once by its content (``inbox``)."""
