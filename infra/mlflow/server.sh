#!/usr/bin/env bash
# MLflow tracking + registry on PostgreSQL, serving artifacts through the server (clients need no
# storage credentials). MLFLOW_DB_URL and ARTIFACT_ROOT come from the environment.
set -euo pipefail
exec mlflow server \
    --backend-store-uri "${MLFLOW_DB_URL:?e.g. postgresql+psycopg2://mlflow@db/mlflow}" \
    --artifacts-destination "${ARTIFACT_ROOT:?e.g. s3://bucket/mlflow or /srv/mlflow-artifacts}" \
    --serve-artifacts --host 0.0.0.0 --port "${PORT:-5000}"
