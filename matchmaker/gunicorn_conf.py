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


def post_worker_init(worker):
    """Load the model, crosswalk and tokenizer in the background so the first search is fast."""
    from matchmaker.indexing import warm_up_in_background

    warm_up_in_background(worker.wsgi)
