"""Which shoe or bike a generated session uses, and when a worn shoe is retired and replaced."""

from __future__ import annotations

import random
from typing import Callable

from coaching.fake_strava.profiles import BIKES, ROAD_SHOES, TRAIL_SHOES
from coaching.fake_strava.records import GearRecord

ROAD_RUN_KINDS = frozenset({"easy", "long", "workout", "treadmill", "race"})


class GearPool:
    """An athlete's gear as the generator sees it: two road pairs in rotation (or one pair, never
    replaced, for the worn-shoes story), a trail pair and a bike."""

    def __init__(
        self,
        athlete_id: int,
        gear: list[GearRecord],
        used_m: dict[str, float],
        *,
        retire_km: float,
        rotate: bool,
        road_runs: int,
        new_gear_id: Callable[[str], str],
        rng: random.Random,
    ) -> None:
        self.athlete_id = athlete_id
        self.gear = gear  # shared with the store: retirements and new pairs land there
        self.used_m = used_m
        self.retire_km = retire_km
        self.rotate = rotate
        self.road_runs = road_runs
        self._new_gear_id = new_gear_id
        self._rng = rng

    @classmethod
    def fresh(
        cls,
        athlete_id: int,
        rng: random.Random,
        *,
        retire_km: float,
        rotate: bool,
        new_gear_id: Callable[[str], str],
    ) -> GearPool:
        pool = cls(
            athlete_id, [], {}, retire_km=retire_km, rotate=rotate, road_runs=0, new_gear_id=new_gear_id, rng=rng
        )
        pool._buy_shoe("road", base_km=rng.uniform(60.0, 220.0), primary=True)
        if rotate:
            pool._buy_shoe("road", base_km=rng.uniform(0.0, 150.0))
        brand, model, frame_type, weight_kg = rng.choice(BIKES)
        pool.gear.append(
            GearRecord(
                id=new_gear_id("b"), athlete_id=athlete_id, name=f"{brand} {model}", brand_name=brand,
                model_name=model, base_distance_m=rng.uniform(800.0, 4000.0) * 1000.0, use="bike",
                nickname=rng.choice(("", None)), frame_type=frame_type, weight_kg=weight_kg, primary=True,
            )
        )
        return pool

    def gear_for(self, kind: str, distance_m: float) -> str | None:
        if kind in ROAD_RUN_KINDS:
            shoes = self._active("road") or [self._buy_shoe("road", base_km=0.0, primary=True)]
            if kind == "race" or not self.rotate:
                shoe = next((s for s in shoes if s.primary), shoes[0])
            else:
                shoe = shoes[self.road_runs % len(shoes)]
                self.road_runs += 1
            return self._use(shoe, distance_m)
        if kind == "trail":
            shoes = self._active("trail") or [self._buy_shoe("trail", base_km=self._rng.uniform(30.0, 200.0))]
            return self._use(shoes[0], distance_m)
        if kind == "ride":
            bikes = self._active("bike")
            return self._use(bikes[0], distance_m) if bikes else None
        return None

    def total_km(self, gear_id: str) -> float:
        record = next(g for g in self.gear if g.id == gear_id)
        return (record.base_distance_m + self.used_m.get(gear_id, 0.0)) / 1000.0

    def _active(self, use: str) -> list[GearRecord]:
        return [g for g in self.gear if g.use == use and not g.retired]

    def _use(self, record: GearRecord, distance_m: float) -> str:
        self.used_m[record.id] = self.used_m.get(record.id, 0.0) + distance_m
        if record.is_shoe and self.total_km(record.id) >= self.retire_km:
            # The runner retires the pair after this run and buys the next one.
            record.retired = True
            self._buy_shoe(record.use, base_km=0.0, primary=record.primary)
            record.primary = False
        return record.id

    def _buy_shoe(self, use: str, *, base_km: float, primary: bool = False) -> GearRecord:
        brand, model = self._rng.choice(TRAIL_SHOES if use == "trail" else ROAD_SHOES)
        record = GearRecord(
            id=self._new_gear_id("g"), athlete_id=self.athlete_id, name=f"{brand} {model}", brand_name=brand,
            model_name=model, base_distance_m=base_km * 1000.0, use=use, primary=primary,
            nickname=self._rng.choice(("", None)),
            notification_distance_km=self._rng.choice((0, 0, 500, 800)),
        )
        self.gear.append(record)
        return record
