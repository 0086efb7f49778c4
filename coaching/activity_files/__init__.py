"""Activity files as a second way in (FIT, GPX, TCX, one by one or in a zip export): for runners
past the Strava app's capacity, or who record on a watch without Strava. Read into the same
`coaching.domain.Activity` as Strava's records, stored with their source, evaluated by the same
rules. Nothing of a refused file is stored."""
