"""One post in the school-wide channel, and how long until the last connected client has it.

    .venv/bin/python bench/broadcast.py --members 3300 --clients 3000 --posts 10

Starts its own server (a fresh SQLite file unless --database-url), seeds a school whose
channel holds every member, connects ``--clients`` of them, measures server memory per idle
connection, then posts ``--posts`` times (one at a time, a pause between) and prints for each:
the time from the send until the first and the last client received it, the median client,
how many received it, and server CPU time for the post. Measures only.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from harness import (
    Http,
    Recorder,
    Server,
    connect_all,
    cpu_seconds,
    load_average,
    memory_kib,
    message_body,
    pick,
    seed,
    sqlite_url,
)


async def run(args: argparse.Namespace, server: Server) -> None:
    school = await seed(server.database_url, groups=[], extra=args.members, channel=True)
    assert school.channel is not None
    online = pick(min(args.clients, args.members), args.members)
    server.start()
    http = Http(server.port, size=4)
    sink = Recorder()
    try:
        await http.open()
        await asyncio.sleep(0.5)
        idle = memory_kib(server.pid)
        started = time.perf_counter()
        listeners = await connect_all(server.port, [school.tokens[i] for i in online], sink,
                                      args.connect_parallel)
        took = time.perf_counter() - started
        await asyncio.sleep(2.0)
        busy = memory_kib(server.pid)
        n = len(listeners)
        print(f"\n{n} clients connected in {took:.1f} s ({args.members} members in the channel); "
              f"server memory per idle connection ≈ {(busy['VmRSS'] - idle['VmRSS']) / n:.1f} KiB "
              f"RSS, {(busy['RssAnon'] - idle['RssAnon']) / n:.1f} KiB anonymous "
              f"(VmRSS {idle['VmRSS']} → {busy['VmRSS']} KiB); load average {load_average()}\n")
        path = f"/api/v1/chats/{school.channel.chat_id}/messages"
        token = school.tokens[school.poster]
        status, _ = await http.post(path, token, message_body("warm-up"))  # first-use costs
        assert status == 200, status
        await asyncio.sleep(1.0)
        header = ("post", "answered ms", "first ms", "median ms", "last ms", "received",
                  "srv CPU ms")
        print(" | ".join(f"{h:>11}" for h in header))
        print("-" * (14 * len(header)))
        lasts = []
        for k in range(args.posts):
            sink.reset()
            cpu0 = cpu_seconds(server.pid)
            t0 = time.perf_counter()
            status, _ = await http.post(path, token, message_body(f"объявление {k}"))
            answered = time.perf_counter() - t0
            assert status == 200, status
            deadline = time.perf_counter() + 10
            while len(sink.latencies) < n and time.perf_counter() < deadline:
                await asyncio.sleep(0.005)
            cpu = cpu_seconds(server.pid) - cpu0
            lat = sorted(sink.latencies)
            lasts.append(lat[-1] if lat else float("nan"))
            print(" | ".join(f"{v:>11}" for v in (
                k + 1, f"{answered * 1000:.1f}", f"{lat[0] * 1000:.1f}" if lat else "-",
                f"{statistics.median(lat) * 1000:.1f}" if lat else "-",
                f"{lat[-1] * 1000:.1f}" if lat else "-", f"{len(lat)}/{n}",
                f"{cpu * 1000:.0f}")), flush=True)
            await asyncio.sleep(args.pause)
        print(f"\nlast client: median {statistics.median(lasts) * 1000:.0f} ms, "
              f"worst {max(lasts) * 1000:.0f} ms over {args.posts} posts")
        if sink.disorder or sink.resyncs:
            print(f"!! {sink.disorder} events out of order, {sink.resyncs} resyncs")
        for listener in listeners:
            if listener.transport is not None:
                listener.transport.close()
    finally:
        http.close()
        server.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--members", type=int, default=3300)
    p.add_argument("--clients", type=int, default=3000)
    p.add_argument("--posts", type=int, default=10)
    p.add_argument("--pause", type=float, default=1.0)
    p.add_argument("--connect-parallel", type=int, default=100,
                   help="clients opening their socket at the same time")
    p.add_argument("--database-url", default="")
    args = p.parse_args()
    server = Server(args.database_url or sqlite_url("parta-broadcast-"))
    server.migrate()
    asyncio.run(run(args, server))


if __name__ == "__main__":
    main()
