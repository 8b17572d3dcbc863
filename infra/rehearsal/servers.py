"""What the emulator listed during a rehearsal (infra/rehearsal/faults.sh), read from the poll log
faults.sh writes: one line per poll, `<epoch seconds> <JSON list of servers>`, each server
{id, name, created, type, location}.

  servers.py LOG max FROM            most servers listed at once since FROM (epoch seconds)
  servers.py LOG lives               one JSON object per server: created, last seen, gone (the first
                                     poll without it; null while it is listed)
  servers.py LOG billing PERIOD_S WINDOW_S SERVER_TYPES_JSON
                                     per server: billing periods started from its creation to its
                                     deletion (both as the emulator shows them), whether it went
                                     inside the last WINDOW_S of a period, and its gross hourly price
                                     in its location (GET /server_types); the total
"""
import json
import math
import sys
from datetime import datetime


def polls(path):
    with open(path, encoding="utf-8") as log:
        for line in log:
            at, _, listed = line.partition(" ")
            yield float(at), json.loads(listed)


def lives(path):
    seen = {}
    for at, listed in polls(path):
        ids = {s["id"] for s in listed}
        for server in listed:
            life = seen.setdefault(server["id"], dict(server, first_seen=at, gone=None))
            life["last_seen"] = at
            life["gone"] = None
        for life in seen.values():
            if life["id"] not in ids and life["gone"] is None:
                life["gone"] = at
    for life in seen.values():
        life["created_at"] = datetime.fromisoformat(life["created"].replace("Z", "+00:00")).timestamp()
    return list(seen.values())


def gross_price(server_types, type_name, location):
    for server_type in server_types["server_types"]:
        if server_type["name"] == type_name:
            for price in server_type["prices"]:
                if price["location"] == location:
                    return float(price["price_hourly"]["gross"])
    sys.exit(f"servers.py: no price for {type_name} in {location}")


def billing(path, period, window, server_types):
    rows, total = [], 0.0
    for life in lives(path):
        if life["gone"] is None:
            sys.exit(f"servers.py: server {life['name']} is still listed")
        lived = life["gone"] - life["created_at"]
        periods = max(1, math.ceil(lived / period))
        into = lived - (periods - 1) * period
        price = gross_price(server_types, life["type"], life["location"])
        total += round(periods * price, 4)  # as rgrid's cost: each worker's rounded to 0.0001 EUR
        rows.append({"name": life["name"], "lived_s": round(lived, 1), "periods": periods,
                     "into_period_s": round(into, 1), "in_window": into >= period - window,
                     "type": life["type"], "location": life["location"], "price": price})
    return {"servers": rows, "periods": sum(r["periods"] for r in rows), "total": round(total, 4)}


def main(argv):
    path, command = argv[1], argv[2]
    if command == "max":
        since = float(argv[3])
        print(max((len(listed) for at, listed in polls(path) if at >= since), default=0))
    elif command == "lives":
        for life in lives(path):
            print(json.dumps(life))
    elif command == "billing":
        with open(argv[5], encoding="utf-8") as types:
            print(json.dumps(billing(path, float(argv[3]), float(argv[4]), json.load(types))))
    else:
        sys.exit(f"servers.py: unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
