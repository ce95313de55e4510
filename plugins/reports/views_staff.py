"""Staff of the kelurahan: the work queue, status changes, moderation, API keys."""
