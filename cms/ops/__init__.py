"""Operations: a background worker that survives, health checks, metrics, request logs, backups (README,
"Producción"). Host concerns, so they live in the project package and may use every plugin."""
