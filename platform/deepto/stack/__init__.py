"""The team stack: Deepto's servers (PostgreSQL-backed MLflow and Prefect, a Prefect worker, a Ray head
and worker nodes, the dashboard, a reaper) as processes on one host.

``deepto.stack.core.Stack`` brings it up and down; nothing here starts anything at import.
"""
