"""Vocabulary for synthetic athletes: names, home towns with their time zones, gear and devices."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HomeTown:
    city: str
    state: str
    country: str
    timezone: str
    latitude: float
    longitude: float
    altitude_m: float

    @property
    def uses_miles(self) -> bool:
        return self.country in ("United States",)

    @property
    def southern(self) -> bool:
        return self.latitude < 0


HOME_TOWNS = (
    HomeTown("Berlin", "Berlin", "Germany", "Europe/Berlin", 52.52, 13.405, 34.0),
    HomeTown("Boulder", "Colorado", "United States", "America/Denver", 40.015, -105.27, 1655.0),
    HomeTown("Sydney", "New South Wales", "Australia", "Australia/Sydney", -33.868, 151.209, 20.0),
    HomeTown("London", "England", "United Kingdom", "Europe/London", 51.507, -0.128, 15.0),
    HomeTown("Brooklyn", "New York", "United States", "America/New_York", 40.678, -73.944, 10.0),
    HomeTown("Madrid", "Comunidad de Madrid", "Spain", "Europe/Madrid", 40.417, -3.704, 650.0),
    HomeTown("Tokyo", "Tokyo", "Japan", "Asia/Tokyo", 35.676, 139.65, 40.0),
    HomeTown("Cape Town", "Western Cape", "South Africa", "Africa/Johannesburg", -33.925, 18.424, 25.0),
    HomeTown("Vancouver", "British Columbia", "Canada", "America/Vancouver", 49.283, -123.121, 70.0),
    HomeTown("Auckland", "Auckland", "New Zealand", "Pacific/Auckland", -36.848, 174.763, 30.0),
    HomeTown("Portland", "Oregon", "United States", "America/Los_Angeles", 45.515, -122.679, 15.0),
    HomeTown("Sao Paulo", "Sao Paulo", "Brazil", "America/Sao_Paulo", -23.55, -46.633, 760.0),
    HomeTown("Bangalore", "Karnataka", "India", "Asia/Kolkata", 12.972, 77.595, 920.0),
    HomeTown("Chicago", "Illinois", "United States", "America/Chicago", 41.878, -87.63, 180.0),
)

FIRST_NAMES_F = ("Anna", "Maya", "Lena", "Sofia", "Priya", "Emma", "Chloe", "Yuki", "Laura", "Nia")
FIRST_NAMES_M = ("Jonas", "Liam", "Mateo", "Kenji", "Arjun", "Noah", "Lucas", "Tom", "Diego", "Sam")
LAST_NAMES = (
    "Keller", "Okafor", "Lindqvist", "Tanaka", "Moreau", "Silva", "Novak", "Brennan", "Iyer",
    "Walsh", "Hoffmann", "Garcia", "Nakamura", "Ferreira", "Kowalski", "Reyes",
)

# (brand, model): road trainers, then trail shoes.
ROAD_SHOES = (
    ("Asics", "Novablast 4"), ("Brooks", "Ghost 16"), ("Nike", "Pegasus 41"),
    ("Saucony", "Ride 17"), ("Hoka", "Clifton 9"), ("New Balance", "1080v13"),
    ("Adidas", "Adizero SL2"), ("On", "Cloudmonster"), ("Mizuno", "Wave Rider 28"),
)
TRAIL_SHOES = (
    ("Salomon", "Speedcross 6"), ("Hoka", "Speedgoat 6"), ("La Sportiva", "Bushido III"),
    ("Brooks", "Cascadia 18"), ("Altra", "Lone Peak 8"),
)
BIKES = (
    ("Canyon", "Endurace CF 7", 3, 8.6), ("Trek", "Domane AL 4", 3, 9.9),
    ("Specialized", "Diverge Comp", 5, 9.4), ("Giant", "Defy Advanced 2", 3, 8.3),
)

# (device name, external id style)
DEVICES = (
    ("Garmin Forerunner 265", "garmin"), ("Garmin fenix 7", "garmin"), ("COROS PACE 3", "fit"),
    ("Apple Watch Series 9", "uuid"), ("Polar Pacer Pro", "fit"), ("Suunto Race", "fit"),
)

CLUB_NAMES = ("Parkrun Friends", "Sunrise Runners", "Trail Hounds", "Track Tuesday", "Long Run Club")
