"""The web app (FastAPI): Strava connect and callback, the runner's preferences, the webhook endpoint."""

from coaching.web.app import create_app

__all__ = ["create_app"]
