"""Deployment smoke test, run by ``deploy/local-up.sh smoke`` against the layout it brought up.

Kiosk clients issue tickets through HAProxy for --seconds; after --kill-after seconds app
server 1 is killed (SIGKILL to its whole process group: gunicorn master and workers, as a
crashed machine would). Then:
- every acknowledged ticket (201 with an id) must be on the primary and on the replica: 0 lost;
- the figures and the Excel export (GET /api/v1/metrics, /api/v1/metrics/export.xlsx through
  the proxy) must be answered, and read from the replica: the replica's table scan counters
  grow (nothing else reads tables there).
Bounded: at most 60 s of load, loopback only. Exit 1 on any failure."""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import psycopg

ENV = os.environ
#: connection errors seen by the clients, by exception (reported as status 599)
CLIENT_ERRORS: collections.Counter[str] = collections.Counter()


def pg(port: int) -> psycopg.Connection:
    return psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/onetrip", autocommit=True)


def table_reads(port: int) -> int:
    """Scans of OneTrip's tables on one server (pg_stat_user_tables). On the replica nothing
    but the figures reads a table: the proxy's health checks only ask for the replay lag."""
    with pg(port) as conn:
        (n,) = conn.execute(
            "SELECT coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0) "
            "FROM pg_stat_user_tables"
        ).fetchone()
        return int(n)


class Client:
    def __init__(self, port: int, source: str = "127.0.0.1", token: str | None = None):
        self.port, self.source, self.token = port, source, token
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=30, source_address=(self.source, 0)
                )
            self.conn.request(method, path, data, headers)
            resp = self.conn.getresponse()
            return resp.status, resp.read()
        except (OSError, http.client.HTTPException) as exc:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            CLIENT_ERRORS[type(exc).__name__] += 1
            return 599, b""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True, help="the folder local-up.sh works in")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--kill-after", type=float, default=6)
    ap.add_argument("--clients", type=int, default=8)
    args = ap.parse_args()
    seconds = min(args.seconds, 60)
    run = Path(args.run)
    hall = json.loads((run / "hall.json").read_text())
    proxy = int(ENV.get("PROXY_PORT", "18080"))
    primary, replica = int(ENV.get("PRIMARY_PORT", "15432")), int(ENV.get("REPLICA_PORT", "15433"))
    app1_pid = int((run / "pids" / "app1").read_text())

    acked: list[int] = []
    statuses: collections.Counter[int] = collections.Counter()
    after_kill: collections.Counter[int] = collections.Counter()
    lock = threading.Lock()
    stop = threading.Event()
    killed_at: list[float] = []

    def kiosk(i: int) -> None:
        # each kiosk its own loopback address: per-client limits see separate kiosks
        c = Client(proxy, source=f"127.0.1.{i + 1}")
        n = 0
        while not stop.is_set():
            n += 1
            phone = f"139{i:02d}{n:06d}"
            status, raw = c.request(
                "POST", "/api/v1/tickets", {"queue_id": hall["queue"], "phone": phone}
            )
            with lock:
                statuses[status] += 1
                if killed_at:
                    after_kill[status] += 1
                if status == 201:
                    acked.append(json.loads(raw)["id"])

    threads = [threading.Thread(target=kiosk, args=(i,)) for i in range(args.clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(args.kill_after)
    os.killpg(app1_pid, signal.SIGKILL)  # gunicorn master and workers, mid-request
    killed_at.append(time.monotonic() - t0)
    print(f"t={killed_at[0]:.1f}s: app server 1 killed (SIGKILL to process group {app1_pid})")
    time.sleep(max(0.0, seconds - args.kill_after))
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    ok = True

    # 1. no acknowledged ticket lost, on the primary and (once it caught up) on the replica
    with pg(primary) as conn:
        found = conn.execute(
            "SELECT count(*) FROM queueing_ticket WHERE id = ANY(%s)", (acked,)
        ).fetchone()[0]
        (lsn,) = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
    with pg(replica) as conn:
        for _ in range(100):
            (behind,) = conn.execute(
                "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()) > 0", (str(lsn),)
            ).fetchone()
            if not behind:
                break
            time.sleep(0.1)
        on_replica = conn.execute(
            "SELECT count(*) FROM queueing_ticket WHERE id = ANY(%s)", (acked,)
        ).fetchone()[0]
    lost = len(acked) - found
    print(
        f"tickets: {len(acked)} acknowledged in {elapsed:.1f} s ({len(acked) / elapsed:.0f}/s); "
        f"on the primary {found}, on the replica {on_replica}; lost {lost}"
    )
    print(
        "responses: "
        + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
        + "; after the kill: "
        + ", ".join(f"{s}: {n}" for s, n in sorted(after_kill.items()))
        + " (599: connection error at the client: "
        + (", ".join(f"{k} {n}" for k, n in CLIENT_ERRORS.items()) or "none")
        + ")"
    )
    if lost or on_replica != len(acked) or not acked:
        print("FAIL: acknowledged tickets missing (or none acknowledged)")
        ok = False
    if after_kill[201] == 0:
        print("FAIL: nothing was issued after the kill (the proxy did not fail over)")
        ok = False

    # 2. the dashboard's figures and the export, through the proxy, from the replica
    manager = Client(proxy, token=hall["manager_token"])
    rep0, pri0 = table_reads(replica), table_reads(primary)
    status, raw = manager.request("GET", "/api/v1/metrics")
    figures = json.loads(raw) if status == 200 else {}
    status_x, raw_x = manager.request("GET", "/api/v1/metrics/export.xlsx")
    time.sleep(2.5)  # a backend flushes its table statistics at most once a second
    rep1, pri1 = table_reads(replica), table_reads(primary)
    print(
        f"dashboard: /api/v1/metrics {status}, export.xlsx {status_x} ({len(raw_x)} bytes); "
        f"table scans on the replica +{rep1 - rep0}, on the primary +{pri1 - pri0} "
        "(the primary's: sign-in by token, rate limits, the task worker's polling)"
    )
    if status == 200 and "figures" not in figures:
        print("FAIL: the figures' answer has no figures")
        ok = False
    if status != 200 or status_x != 200 or rep1 <= rep0:
        print("FAIL: the figures were not served from the replica")
        ok = False

    # 3. what the proxy saw
    try:
        c = http.client.HTTPConnection("127.0.0.1", int(ENV.get("STATS_PORT", "18089")), timeout=5)
        c.request("GET", "/;csv")
        rows = [r.split(",") for r in c.getresponse().read().decode().splitlines()]
        for r in rows:
            if len(r) > 17 and r[0] == "app" and r[1].startswith("app"):
                print(f"haproxy: {r[1]} status {r[17]}, sessions {r[7]}, connection errors {r[13]}")
    except OSError:
        pass
    print("smoke test: " + ("PASSED" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
