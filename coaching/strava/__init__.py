"""The only code that knows Strava: OAuth, token refresh, request budget, listing, parsing."""
