"""gunicorn settings for `matchmaker serve` in production mode (bind and workers come from the command)."""

# Each worker builds its own app (and loads the embedding model lazily on first use), so
# nothing heavy is shared through fork; a crash or restart of one worker loses no data.
preload_app = False
worker_class = "gthread"
threads = 4
timeout = 60
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
# Requests larger than this are refused before they reach the app (bulk import goes through the CLI).
limit_request_line = 8190
