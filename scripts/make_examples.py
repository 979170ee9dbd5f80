#!/usr/bin/env python3
"""Builds examples/global and examples/china-hubs from ../shared/data (run from the project root).

examples/global: real hourly carbon intensity (Electricity Maps, via HPE GreenDCC) and real hourly
wholesale prices (HPE GreenDCC compilation, USD/MWh) for 10 zones, 2023-06-05 to 2023-06-26 UTC,
rows cut from the upstream files with their columns unchanged.

examples/china-hubs: no public hourly data exists for China's hubs. The mean of each hourly carbon
profile is a cited annual factor; the hourly shape is illustrative and generated here (seeded, no
randomness), and the file says so in its own header. Tariffs are illustrative time-of-use bands.

Latency between sites and user populations is estimated from great-circle distance:
round-trip ms = 5 + 2 * distance_km * 1.5 / 200 (fibre at 200 km/ms, routes 1.5x the great circle,
5 ms of equipment); it is an estimate, marked so in the catalogs.
"""
import csv, math, os, sys

SHARED = os.environ.get("GRIDWISE_SHARED_DATA", "../shared/data")
START, END = "2023-06-05 00:00:00", "2023-06-26 00:00:00"

GLOBAL_ZONES = ["US-CAL-CISO", "US-TEX-ERCO", "US-NY-NYIS", "CA-ON", "BR-SP", "DE-LU", "SG", "JP-TK", "AU-NSW", "KR"]


def cut(src, dst, time_col, keep):
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    ti = header.index(time_col)
    out = [r for r in body if keep(r[ti])]
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(dst, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(out)
    return len(out)


def great_circle_km(a, b):
    (la1, lo1), (la2, lo2) = a, b
    p1, p2 = math.radians(la1), math.radians(la2)
    dp, dl = p2 - p1, math.radians(lo2 - lo1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def rtt_ms(a, b):
    return round(5 + 2 * great_circle_km(a, b) * 1.5 / 200)


def make_global():
    base = "examples/global"
    for zone in GLOBAL_ZONES:
        n = cut(f"{SHARED}/carbon/electricitymaps-hourly-2022-2023/{zone}_2023_hourly.csv", f"{base}/carbon/{zone}.csv",
                "Datetime (UTC)", lambda t: START <= t < END)
        m = cut(f"{SHARED}/prices/wholesale-hourly-2022-2023/{zone}_electricity_prices_2023.csv", f"{base}/prices/{zone}.csv",
                "Datetime (UTC)", lambda t: START <= t[:19] < END)
        print(f"{zone}: {n} carbon rows, {m} price rows")


GLOBAL_SITES = {
    "us-west": (37.34, -121.89), "us-south": (32.78, -96.80), "us-east": (40.71, -74.01), "ca-central": (43.65, -79.38),
    "br-south": (-23.55, -46.63), "eu-central": (50.11, 8.68), "ap-southeast": (1.35, 103.82), "ap-northeast": (35.68, 139.69),
    "au-east": (-33.87, 151.21), "ap-korea": (37.57, 126.98),
}
GLOBAL_POPULATIONS = {
    "us-west-users": (37.77, -122.42), "us-east-users": (40.71, -74.01), "eu-users": (48.86, 2.35), "br-users": (-23.55, -46.63),
    "sea-users": (1.29, 103.85), "jp-users": (35.68, 139.69), "au-users": (-33.87, 151.21), "kr-users": (37.57, 126.98),
}

CHINA_SITES = {
    "inner-mongolia": (40.99, 113.13), "gansu": (35.71, 107.64), "ningxia": (37.51, 105.19), "guizhou": (26.42, 106.63),
    "jing-jin-ji": (40.77, 114.88), "yangtze-delta": (31.15, 121.12), "greater-bay": (24.81, 113.60), "chengdu-chongqing": (30.57, 104.07),
}
CHINA_POPULATIONS = {
    "beijing-users": (39.90, 116.40), "shanghai-users": (31.23, 121.47), "guangzhou-users": (23.13, 113.26), "chengdu-users": (30.66, 104.07),
}

# (zone, cited annual mean gCO2e/kWh, citation, diurnal solar amplitude, multi-day wind amplitude)
CHINA_CARBON = {
    "CN-NM": (665, "Cloud Carbon Footprint, Alibaba Cloud North China factor 0.000665 t/kWh (Hohhot, Ulanqab)", 0.18, 0.22),
    "CN-GS": (537.4, "Green Algorithms v3.0 CI_aggregated CN national factor 537.4 g/kWh (no provincial figure in the bundled sources)", 0.22, 0.25),
    "CN-NX": (537.4, "Green Algorithms v3.0 CI_aggregated CN national factor 537.4 g/kWh (no provincial figure in the bundled sources)", 0.20, 0.22),
    "CN-GZ": (537.4, "Green Algorithms v3.0 CI_aggregated CN national factor 537.4 g/kWh (no provincial figure in the bundled sources)", 0.08, 0.10),
    "CN-JJJ": (665, "Cloud Carbon Footprint, Alibaba Cloud North China factor 0.000665 t/kWh (Zhangjiakou, Beijing)", 0.10, 0.12),
    "CN-YRD": (626, "Cloud Carbon Footprint, Alibaba Cloud East China factor 0.000626 t/kWh (Shanghai, Hangzhou, Nanjing)", 0.06, 0.05),
    "CN-GBA": (585, "Cloud Carbon Footprint, Alibaba Cloud South China factor 0.000585 t/kWh (Shenzhen, Guangzhou, Heyuan)", 0.06, 0.05),
    "CN-CY": (537.4, "Green Algorithms v3.0 CI_aggregated CN national factor 537.4 g/kWh (Cloud Carbon Footprint has no Chengdu factor)", 0.07, 0.08),
}


def china_profile(mean, solar, wind, hours, start_epoch, phase):
    """Mean-preserving illustrative shape: a midday solar dip (local UTC+8) and a multi-day wind swing."""
    values = []
    for h in range(hours):
        local_hour = (h + 8) % 24
        s = math.cos((local_hour - 13) / 24 * 2 * math.pi)  # 1 at 13:00 local, -1 at 01:00
        w = math.sin(2 * math.pi * (h / 79.0) + phase)      # ~3.3-day weather cycle
        values.append(round(mean * (1 - solar * s - wind * w), 1))
    shift = mean - sum(values) / len(values)
    return [round(v + shift, 1) for v in values]


def make_china():
    base = "examples/china-hubs/carbon"
    os.makedirs(base, exist_ok=True)
    hours = 14 * 24
    import datetime
    t0 = datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc)
    for i, (zone, (mean, cite, solar, wind)) in enumerate(CHINA_CARBON.items()):
        values = china_profile(mean, solar, wind, hours, t0.timestamp(), phase=i * 0.7)
        with open(f"{base}/{zone}.csv", "w", newline="", encoding="utf-8") as f:
            f.write(f"# ILLUSTRATIVE hourly carbon intensity for {zone}, generated by scripts/make_examples.py.\n")
            f.write(f"# Only the mean ({mean} gCO2e/kWh) is cited: {cite}.\n")
            f.write("# The hourly shape (midday solar dip, multi-day wind swing) is illustrative, not measured.\n")
            f.write("time,carbon_intensity_gco2eq_per_kwh\n")
            for h, v in enumerate(values):
                f.write((t0 + datetime.timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ") + f",{v}\n")


def make_simulate():
    """examples/simulate/trace.csv: one week of GPU pods of the Alibaba GPU trace v2023 (CC BY 4.0),
    days 130-136 of the trace (the busiest stretch), running 15 min to 48 h, moved to start on
    2023-06-05 00:00 UTC so the global example's signals cover them. Deadlines and interruptibility
    are left to `gridwise simulate`'s seeded rules; the user population is assigned round-robin
    (illustrative: the trace has none)."""
    src = os.path.join(SHARED, "jobs/alibaba-gpu-v2023/openb_pod_list_default.csv")
    base = 1685923200  # 2023-06-05T00:00:00Z
    first, last = 130 * 86400, 137 * 86400
    populations = ["us-west-users", "us-east-users", "eu-users", "br-users", "sea-users", "jp-users", "au-users", "kr-users"]
    out = []
    with open(src, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if int(r["num_gpu"]) < 1 or not r["deletion_time"]:
                continue
            c, d = float(r["creation_time"]), float(r["deletion_time"])
            hours = (d - c) / 3600
            if not (first <= c < last and 0.25 <= hours <= 48):
                continue
            t = base + int(c - first)
            stamp = "%04d-%02d-%02dT%02d:%02d:%02dZ" % __import__("time").gmtime(t)[:6]
            out.append((t, r["name"], stamp, "%.4f" % hours, int(r["num_gpu"])))
    out.sort()
    os.makedirs("examples/simulate", exist_ok=True)
    with open("examples/simulate/trace.csv", "w", newline="", encoding="utf-8") as f:
        f.write("# One week of GPU pods from the Alibaba GPU cluster trace v2023 (CC BY 4.0; see DATA-NOTICE.md),\n")
        f.write("# trace days 130-136 moved to 2023-06-05. duration_h = deletion - creation. population: illustrative.\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "submit", "duration_h", "gpus", "population"])
        for i, (_, name, stamp, hours, gpus) in enumerate(out):
            w.writerow([name, stamp, hours, gpus, populations[i % len(populations)]])
    with open("examples/global/regions.yaml", encoding="utf-8") as f:
        regions = f.read()
    with open("examples/simulate/regions.yaml", "w", encoding="utf-8") as f:
        f.write("# Region catalog for the simulation example: the same 10 sites as examples/global/regions.yaml (keep them equal;\n")
        f.write("# scripts/make_examples.py simulate copies it). Field notes and sources: examples/global/regions.yaml.\n")
        f.write(regions)
    print("examples/simulate/trace.csv:", len(out), "jobs")


def latency_table(sites, populations):
    for site, loc in sites.items():
        row = ", ".join(f"{p}: {rtt_ms(loc, ploc)}" for p, ploc in populations.items())
        print(f"{site}: {{{row}}}")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what in ("all", "global"):
        make_global()
    if what in ("all", "china"):
        make_china()
    if what in ("all", "simulate"):
        make_simulate()
    if what == "latency":
        latency_table(GLOBAL_SITES, GLOBAL_POPULATIONS)
        print()
        latency_table(CHINA_SITES, CHINA_POPULATIONS)
