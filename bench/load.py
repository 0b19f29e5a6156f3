"""Messaging load: clients on WebSockets, messages sent over HTTP at stepped rates.

    .venv/bin/python bench/load.py --school --clients 2000 --rates 100,200,500,1000
    .venv/bin/python bench/load.py --clients 300 --chat-size 30 --rates 50,100,200

``--school`` is issue 3's school: 3,300 members, 40 classes with a class chat of 30 and a
parents' chat of 50 each, and ``--clients`` of the members (picked at random) connected;
messages go round the 80 chats, each from the next member of that chat. Without it, the
clients are all the members, in chats of ``--chat-size``.

Starts its own server (a subprocess on loopback, a fresh SQLite file unless --database-url),
seeds the school straight into the database, connects every client, then for each rate prints:
messages sent/s (answered 200: committed), deliveries/s, p50/p95/p99/max send-to-deliver
latency over every recipient, the share of expected deliveries that arrived, server CPU time
per delivery and per message (utime+stime from /proc), and the bench's own CPU share; plus
server memory per connected client. Nothing here asserts a target: it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from harness import (
    Http,
    Recorder,
    Server,
    connect_all,
    cpu_seconds,
    issue_school,
    load_average,
    memory_kib,
    message_body,
    pick,
    quantiles,
    seed,
    sqlite_url,
)


async def run(args: argparse.Namespace, server: Server) -> None:
    if args.school:
        groups, extra = issue_school()
    else:
        groups, extra = [args.chat_size] * (args.clients // args.chat_size), 0
    school = await seed(server.database_url, groups=groups, extra=extra)
    members = len(school.tokens)
    online = set(pick(min(args.clients, members), members)) if args.school else set(range(members))
    server.start()
    http = Http(server.port, size=args.connections)
    sink = Recorder()
    try:
        await http.open()
        await asyncio.sleep(0.5)
        idle = memory_kib(server.pid)
        started = time.perf_counter()
        listeners = await connect_all(server.port, [school.tokens[i] for i in sorted(online)],
                                      sink, args.connect_parallel)
        took = time.perf_counter() - started
        await asyncio.sleep(1.0)
        busy = memory_kib(server.pid)
        n = len(listeners)
        print(f"\n{n} clients connected in {took:.1f} s ({members} members, {len(school.chats)} "
              f"chats); server memory per connection ≈ "
              f"{(busy['VmRSS'] - idle['VmRSS']) / n:.1f} KiB RSS, "
              f"{(busy['RssAnon'] - idle['RssAnon']) / n:.1f} KiB anonymous "
              f"(VmRSS {idle['VmRSS']} → {busy['VmRSS']} KiB); load average {load_average()}\n")
        reach = [sum(1 for m in seat.members if m in online) for seat in school.chats]
        # Warm up (first-use costs: imports, compiled statements, the conduct filter): one
        # message per chat, not counted.
        for k, seat in enumerate(school.chats):
            await http.post(f"/api/v1/chats/{seat.chat_id}/messages",
                            school.tokens[seat.members[-1]], message_body(f"warm-up {k}"))
        await asyncio.sleep(1.0)
        header = ("rate/s", "sent/s", "deliv/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
                  "delivered", "errors", "srv µs/deliv", "srv µs/msg", "bench CPU")
        print(" | ".join(f"{h:>12}" for h in header))
        print("-" * (15 * len(header)))
        sequence = 0
        statuses: dict[int, int] = {}
        for rate in [int(r) for r in args.rates.split(",")]:
            sink.reset()
            sent, expected, errors = 0, 0, 0
            total = int(rate * args.seconds)
            async def send_one(i: int) -> None:
                nonlocal sent, expected, errors
                seat_no = i % len(school.chats)
                seat = school.chats[seat_no]
                author = seat.members[(i // len(school.chats)) % len(seat.members)]
                status, _ = await http.post(f"/api/v1/chats/{seat.chat_id}/messages",
                                            school.tokens[author], message_body(f"load {i}"))
                if status == 200:
                    sent += 1
                    expected += reach[seat_no]
                else:
                    errors += 1
                    statuses[status] = statuses.get(status, 0) + 1

            cpu0, mine0 = cpu_seconds(server.pid), time.process_time()
            start = time.perf_counter()
            pending = []
            for k in range(total):
                due = start + k / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                pending.append(asyncio.create_task(send_one(sequence + k)))
            sequence += total
            await asyncio.gather(*pending)
            sending = time.perf_counter() - start
            # Let the last deliveries land: until nothing arrives for half a second.
            while len(sink.latencies) < expected and time.perf_counter() - max(
                    sink.last_at, start + sending) < 0.5:
                await asyncio.sleep(0.05)
            cpu = cpu_seconds(server.pid) - cpu0
            mine = time.process_time() - mine0
            wall = time.perf_counter() - start
            got = len(sink.latencies)
            q = quantiles(sink.latencies)
            row = (rate, sent / sending, got / wall, q["p50"], q["p95"], q["p99"], q["max"],
                   f"{100 * got / expected:.1f}%" if expected else "-", errors,
                   cpu / got * 1e6 if got else 0.0, cpu / sent * 1e6 if sent else 0.0,
                   f"{100 * mine / wall:.0f}%")
            print(" | ".join(f"{v:>12.1f}" if isinstance(v, float) else f"{v!s:>12}"
                             for v in row), flush=True)
        if statuses:
            print(f"\nrefused: {statuses} (HTTP status: count); server log: {server.log}")
        if sink.disorder or sink.resyncs:
            print(f"\n!! {sink.disorder} events out of order, {sink.resyncs} resyncs")
        for listener in listeners:
            if listener.transport is not None:
                listener.transport.close()
    finally:
        http.close()
        server.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--school", action="store_true", help="issue 3's school (3,300 members)")
    p.add_argument("--clients", type=int, default=300)
    p.add_argument("--chat-size", type=int, default=30)
    p.add_argument("--rates", default="25,50,100")
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--connections", type=int, default=64, help="HTTP keep-alive connections")
    p.add_argument("--connect-parallel", type=int, default=100,
                   help="clients opening their socket at the same time")
    p.add_argument("--database-url", default="")
    args = p.parse_args()
    server = Server(args.database_url or sqlite_url("parta-bench-"))
    server.migrate()
    asyncio.run(run(args, server))


if __name__ == "__main__":
    main()
