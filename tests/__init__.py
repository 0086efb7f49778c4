# A regular package, not a namespace one: garmin-fit-sdk installs a top-level `tests` package of its
# own into site-packages, and a regular package there would win over a namespace package here, so
# `from tests.strava.conftest import ...` would look in the wrong place.
