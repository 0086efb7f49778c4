"""python -m coaching.fake_strava --port 8001 --athletes 5 --seed 42 --end-date 2026-11-24"""

from __future__ import annotations

import argparse
from datetime import date

from coaching.fake_strava.personas import PERSONAS
from coaching.fake_strava.serve import DEFAULT_REDIRECT_URI, budget_option, serve_forever


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m coaching.fake_strava", description="Serve a fake Strava API.")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--athletes", type=int, default=len(PERSONAS) - 1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-date", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--days", type=int, default=182)
    parser.add_argument("--personas", default=None, help=f"comma list from: {','.join(PERSONAS)}")
    parser.add_argument("--client-id", type=int, default=1234)
    parser.add_argument("--client-secret", default="fake-secret")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--redirect-uri", default=DEFAULT_REDIRECT_URI)
    parser.add_argument("--read-limit", type=budget_option, default=None, help="15MIN,DAILY (default 100,1000)")
    parser.add_argument("--overall-limit", type=budget_option, default=None, help="15MIN,DAILY (default 200,2000)")
    parser.add_argument("--new-share", type=float, default=0.05, help="share of athletes POST /_fake/new-day moves")
    args = parser.parse_args(argv)
    serve_forever(
        args.port, args.athletes, args.seed, args.end_date, days=args.days,
        personas=args.personas.split(",") if args.personas else None, client_id=args.client_id,
        client_secret=args.client_secret, host=args.host, latency_s=args.latency_ms / 1000.0,
        redirect_uri=args.redirect_uri, read_limit=args.read_limit, overall_limit=args.overall_limit,
        new_share=args.new_share,
    )


if __name__ == "__main__":
    main()
