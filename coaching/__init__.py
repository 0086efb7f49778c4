"""Runner's-knee coaching pipeline: Strava in, evidence-graded advice out."""

__version__ = "0.1.0"
