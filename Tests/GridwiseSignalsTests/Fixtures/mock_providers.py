#!/usr/bin/env python3
"""Local stand-ins for the grid-signal providers, answering on loopback in their documented shapes
(../shared/reference/provider-apis.md): Electricity Maps v3, WattTime v3, UK Carbon Intensity, and
the Carbon Aware SDK WebAPI. Started and stopped by the Swift tests; standard library only.

Values are deterministic: value(zone, t) = 100 + (sum of the zone's character codes % 100) + 5 x (UTC
hour of t). Faults are chosen by the zone (region, location) name:
  FAULT-500 always 500; FAULT-503-ONCE 503 then OK; FAULT-429-RA 429 with Retry-After: 1 then OK;
  FAULT-429 429 without Retry-After then OK; FAULT-429-LONG 429 with Retry-After: 3600;
  FAULT-404 unknown zone; FAULT-BADJSON an HTML body; FAULT-TRUNCATED cut JSON; FAULT-SHAPE JSON of
  the wrong shape; FAULT-VALUES null at hour 2, 1e9 at hour 3, -5 at hour 4; FAULT-MISSING no hours 5-7;
  FAULT-DUP hour 1 twice with different values; FAULT-UNSORTED points in reverse; FAULT-SLOW answers
  after 3 s; FAULT-OFFSET timestamps with +01:00 offsets; FAULT-SHORT forecasts of 6 hours only;
  FAULT-EXPIRE (WattTime) the first data call gets 401 whatever the token; NOFORECAST (SDK) 501.
  The UK API has no zone parameter: regional ids 61-68 select FAULT-500, -BADJSON, -SHAPE, -VALUES,
  -MISSING, -503-ONCE, -SLOW and -429-RA.
Usage: mock_providers.py --now EPOCH_SECONDS [--watttime-csv FILE]; prints "PORT n" when ready.
"""
import base64, csv, datetime as dt, json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

NOW = 0
UK_FAULTS = {61: "FAULT-500", 62: "FAULT-BADJSON", 63: "FAULT-SHAPE", 64: "FAULT-VALUES", 65: "FAULT-MISSING",
             66: "FAULT-503-ONCE", 67: "FAULT-SLOW", 68: "FAULT-429-RA"}
WATTTIME_REPLAY = {}
COUNTS = {}
LOCK = threading.Lock()
EM_TOKEN = "em-token"
WT_USER, WT_PASSWORD = "alice", "s3cret"
TOKENS = set()

def count(key):
    with LOCK:
        COUNTS[key] = COUNTS.get(key, 0) + 1
        return COUNTS[key]

def value(zone, t):
    return 100 + (sum(map(ord, zone)) % 100) + 5 * ((t // 3600) % 24)

def iso(t, offset=False):
    if offset:
        return dt.datetime.fromtimestamp(t, dt.timezone(dt.timedelta(hours=1))).isoformat()
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")

def parse_time(s):
    s = s.replace("Z", "+00:00")
    if len(s) == 16 + 6 and s[16] == "+":  # YYYY-MM-DDThh:mm+00:00
        s = s[:16] + ":00" + s[16:]
    return int(dt.datetime.fromisoformat(s).timestamp())

def series(zone, start, end, step):
    """(time, value) pairs with the zone's value faults applied."""
    pts = [(t, value(zone, t)) for t in range(start, end, step)]
    if zone == "FAULT-VALUES":
        out = []
        for t, v in pts:
            h = (t - start) // 3600
            out.append((t, None if h == 2 else 1e9 if h == 3 else -5 if h == 4 else v))
        pts = out
    if zone == "FAULT-MISSING":
        pts = [(t, v) for t, v in pts if not 5 <= (t - start) // 3600 <= 7]
    if zone == "FAULT-DUP":
        pts = pts + [(t, v + 1) for t, v in pts if (t - start) // 3600 == 1]
    if zone == "FAULT-UNSORTED":
        pts = list(reversed(pts))
    return pts

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, headers=None, raw=False):
        data = body if raw else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def fault(self, zone, key):
        """Answers a transport-level fault for the zone, or returns False."""
        if zone == "FAULT-500":
            self.send(500, {"error": "internal"}); return True
        if zone == "FAULT-503-ONCE" and count(key + "503") == 1:
            self.send(503, {"error": "unavailable"}); return True
        if zone == "FAULT-429-RA" and count(key + "429ra") == 1:
            self.send(429, {"error": "slow down"}, {"Retry-After": "1"}); return True
        if zone == "FAULT-429" and count(key + "429") == 1:
            self.send(429, {"error": "slow down"}); return True
        if zone == "FAULT-429-LONG":
            self.send(429, {"error": "slow down"}, {"Retry-After": "3600"}); return True
        if zone == "FAULT-BADJSON":
            self.send(200, b"<html>Bad gateway</html>", raw=True); return True
        if zone == "FAULT-TRUNCATED":
            self.send(200, b'{"zone": "X", "data": [{"datetime": "2023-', raw=True); return True
        if zone == "FAULT-SHAPE":
            self.send(200, {"unexpected": True}); return True
        if zone == "FAULT-SLOW":
            time.sleep(3)
        return False

    def do_GET(self):
        u = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        p = u.path
        if p == "/__stats":
            return self.send(200, COUNTS)
        if p.startswith("/em/"):
            return self.electricity_maps(p[3:], q)
        if p.startswith("/wt/"):
            return self.watttime(p[3:], q)
        if p.startswith("/uk/"):
            return self.uk(p[3:])
        if p.startswith("/sdk/"):
            return self.sdk(p[4:], q)
        self.send(404, {"error": "no such path"})

    # Electricity Maps v3
    def electricity_maps(self, p, q):
        if self.headers.get("auth-token") != EM_TOKEN:
            return self.send(401, {"error": "Token unauthorized for zoneKey"})
        zone = q.get("zone", "")
        if self.fault(zone, "em" + p):
            return
        if zone == "FAULT-404":
            return self.send(404, {"error": "Zone 'FAULT-404' does not exist."})
        offset = zone == "FAULT-OFFSET"
        def item(t, v):
            return {"datetime": iso(t, offset), "updatedAt": iso(t + 1800), "createdAt": iso(t - 86400), "carbonIntensity": v,
                    "emissionFactorType": q.get("emissionFactorType", "lifecycle"), "isEstimated": False, "estimationMethod": None}
        if p == "/carbon-intensity/past-range":
            pts = series(zone, parse_time(q["start"]), parse_time(q["end"]), 3600)
            return self.send(200, {"zone": zone, "data": [item(t, v) for t, v in pts]})
        if p == "/carbon-intensity/history":
            end = NOW - NOW % 3600
            pts = series(zone, end - 24 * 3600, end, 3600)
            return self.send(200, {"zone": zone, "history": [item(t, v) for t, v in pts]})
        if p == "/carbon-intensity/forecast":
            hours = 6 if zone == "FAULT-SHORT" else 72
            start = NOW - NOW % 3600
            pts = series(zone, start, start + hours * 3600, 3600)
            return self.send(200, {"zone": zone, "updatedAt": iso(NOW), "forecast": [{"datetime": iso(t, offset), "carbonIntensity": v} for t, v in pts]})
        self.send(404, {"error": "Endpoint not available"})

    # WattTime v3
    def watttime(self, p, q):
        if p == "/login":
            count("wt-login")
            auth = self.headers.get("Authorization", "")
            if auth != "Basic " + base64.b64encode(f"{WT_USER}:{WT_PASSWORD}".encode()).decode():
                return self.send(401, {"error": "invalid credentials"})
            token = f"wt-token-{COUNTS['wt-login']}"
            TOKENS.add(token)
            return self.send(200, {"token": token})
        auth = self.headers.get("Authorization", "")
        region = q.get("region", "")
        if not auth.startswith("Bearer ") or auth[7:] not in TOKENS or (region == "FAULT-EXPIRE" and count("wt-expire") == 1):
            return self.send(401, {"error": "token expired"})
        count("wt-data")
        if self.fault(region, "wt" + p):
            return
        if region == "FAULT-404":
            return self.send(404, {"error": "unknown region"})
        meta = {"region": region, "signal_type": q.get("signal_type"), "model": {"date": "2023-03-01", "type": "binned_regression"},
                "units": "lbs_co2_per_mwh", "data_point_period_seconds": 300}
        def point(t, v):
            return {"point_time": iso(t), "value": v, "version": "2023-03-01"}
        if p == "/v3/historical":
            start, end = parse_time(q["start"]), parse_time(q["end"])
            if region in ("CAISO_NORTH",) and WATTTIME_REPLAY:
                pts = [(t, v) for t, v in sorted(WATTTIME_REPLAY.items()) if start <= t < end]
            else:
                pts = series(region, start, end, 300)
            return self.send(200, {"meta": meta, "data": [point(t, v) for t, v in pts]})
        if p == "/v3/forecast":
            hours = int(q.get("horizon_hours", "24"))
            start = NOW - NOW % 300
            pts = series(region, start, start + hours * 3600, 300)
            return self.send(200, {"meta": dict(meta, generated_at=iso(NOW), generated_at_period_seconds=300), "data": [point(t, v) for t, v in pts]})
        self.send(404, {"error": "no such endpoint"})

    # UK Carbon Intensity
    def uk(self, p):
        parts = p.strip("/").split("/")
        regional = parts[0] == "regional"
        if regional:
            parts = parts[1:]
        if parts[0] != "intensity" or len(parts) < 3:
            return self.send(400, {"error": {"code": "400 Bad Request", "message": "bad path"}})
        start, end = parse_time(parts[1]), parse_time(parts[2])
        zone = "GB-national"
        region_id = None
        if regional:
            region_id = int(parts[4])
            zone = f"GB-region-{region_id}"
        if region_id in UK_FAULTS:
            zone = UK_FAULTS[region_id]
            if self.fault(zone, "uk" + p):
                return
        def period(t, v):
            actual = v if t + 1800 <= NOW else None
            forecast = None if v is None else v + 3
            return {"from": iso(t)[:16] + "Z", "to": iso(t + 1800)[:16] + "Z", "intensity": {"forecast": forecast, "actual": actual, "index": "moderate"}}
        periods = [period(t, v) for t, v in series(zone, start, end, 1800)]
        if not regional:
            return self.send(200, {"data": periods})
        region = {"regionid": region_id, "dnoregion": "Test DNO", "shortname": "Test Region", "data": periods}
        return self.send(200, {"data": region if region_id % 2 == 1 else [region]})

    # Carbon Aware SDK WebAPI
    def sdk(self, p, q):
        location = q.get("location", "")
        if self.fault(location, "sdk" + p):
            return
        if p == "/emissions/bylocations":
            if location == "FAULT-404":
                return self.send(400, {"type": "https://tools.ietf.org/html/rfc7231#section-6.5.1", "title": "One or more validation errors occurred.",
                                       "status": 400, "errors": {"location": ["unknown location"]}})
            pts = series(location, parse_time(q["time"]), parse_time(q["toTime"]), 3600)
            return self.send(200, [{"location": location, "time": iso(t), "rating": v, "duration": "01:00:00"} for t, v in pts])
        if p == "/emissions/forecasts/current":
            if location == "NOFORECAST":
                return self.send(501, {"title": "Not Implemented", "status": 501})
            start = NOW - NOW % 3600
            pts = series(location, start, start + 24 * 3600, 3600)
            data = [{"location": location, "timestamp": iso(t), "duration": 60, "value": v} for t, v in pts]
            return self.send(200, [{"generatedAt": iso(NOW), "requestedAt": iso(NOW), "location": location, "dataStartAt": q.get("dataStartAt"),
                                    "dataEndAt": q.get("dataEndAt"), "windowSize": 60, "optimalDataPoints": data[:1], "forecastData": data}])
        self.send(404, {"error": "no such endpoint"})

def main():
    global NOW
    args = sys.argv[1:]
    NOW = int(args[args.index("--now") + 1])
    if "--watttime-csv" in args:
        with open(args[args.index("--watttime-csv") + 1], newline="") as f:
            rows = list(csv.reader(f))
        for row in rows[1:]:
            t = int(dt.datetime.fromisoformat(row[0]).replace(tzinfo=dt.timezone.utc).timestamp())
            WATTTIME_REPLAY[t] = float(row[1])
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()

if __name__ == "__main__":
    main()
