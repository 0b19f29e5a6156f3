"""Messaging load: clients on WebSockets sending on their own sockets (or over HTTP), at stepped
rates.

    .venv/bin/python bench/load.py --school --clients 2000 --rates 200,500,1000 --seconds 5
    .venv/bin/python bench/load.py --school --clients 2000 --rates 100 --send-over http
    .venv/bin/python bench/load.py --clients 300 --chat-size 30 --rates 50,100,200

``--school`` is issue 3's school: 3,300 members, 40 classes with a class chat of 30 and a
parents' chat of 50 each, and ``--clients`` of the members (picked at random) connected.
Without it, the clients are all the members, in chats of ``--chat-size``.

Who sends: every connected member of a chat, in turn. The connected members of all chats are
shuffled once into a ring and message i comes from member i of the ring (mod its length), into
that member's chat: each sender sends at the same pace, rate / senders, which is the slowest
pace any choice of senders allows — the flood limits (6 messages per 10 s, 30 a minute per
member) leave the most room — and a chat gets messages in proportion to its connected members.
Texts differ (each carries its number), so the duplicate check never refuses. Before starting,
the whole schedule is checked against the limits; if some member would go over them
(e.g. 2,000 clients at 1,500/s for more than a few seconds), the server is started with the
limits raised (``--flood-limits auto``, the default; ``keep`` never raises them, ``raise``
always does) and the output says so.

``--senders one``: one active sender per chat instead (a teacher posting, a lively class;
issue 12's shape), who sends every message of that chat: each chat gets rate / chats
messages a second, which goes over the flood limits, so they are raised.
    .venv/bin/python bench/load.py --clients 600 --chat-size 30 --senders one --rates 20,100
    .venv/bin/python bench/load.py --clients 2000 --chat-size 50 --senders one --rates 200

``--send-over ws`` (default): each send is a ``send`` frame on the sender's own event socket
(``parta.api.socket_send``), answered ``sent`` (committed) or ``refused``; ``--send-over
http``: ``POST /chats/{id}/messages`` on keep-alive connections, answered 200 or an error.

Starts its own server (``parta serve`` in a subprocess on loopback, a fresh SQLite file unless
--database-url), seeds the school straight into the database, connects every client, sends a
warm-up message to each chat (not counted), then for each rate prints: messages sent/s
(answered: committed), deliveries/s, p50/p95/p99/max send-to-deliver latency over every
recipient (from the moment the send is written to each recipient's receipt of
``message.new``), send-to-answer p50/p99, the share of expected deliveries that arrived,
refusals, server CPU time per message and per delivery (utime+stime from /proc), the server's
and the bench's CPU shares (of one core, over the step) and the load average; plus server
memory per connected client. A server that falls behind while its CPU share stays well under
100 % was not given the core: other processes had it (see the load average). Nothing here
asserts a target: it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter

from harness import (
    Http,
    Listener,
    Recorder,
    School,
    Server,
    connect_all,
    cpu_seconds,
    issue_school,
    load_average,
    memory_kib,
    pick,
    quantiles,
    seed,
    sqlite_url,
)

RAISED = "1000000"  # the flood limits when the schedule would go over them
SAFETY = 1.0  # seconds of slack in the schedule check: the server's clock is not ours
WARM_UP_PAUSE = 1.0


def senders_ring(school: School, online: set[int], one: bool = False) -> list[tuple[int, int]]:
    """(member, chat number) for every connected member of a chat, shuffled once; ``one``:
    one connected member per chat (not its moderator, so every check runs), who sends all
    of that chat's messages."""
    ring = [(m, n) for n, seat in enumerate(school.chats) for m in seat.members if m in online]
    if one:
        first: dict[int, int] = {}
        for m, n in ring:
            if m != school.chats[n].members[0]:
                first.setdefault(n, m)
        ring = [(m, n) for n, m in sorted(first.items())]
    random.Random(11).shuffle(ring)
    return ring


def warm_up_senders(school: School, online: set[int]) -> list[int | None]:
    """Per chat, a connected member to send its warm-up message (None: nobody is connected)."""
    return [next((m for m in reversed(seat.members) if m in online), None) for seat in school.chats]


def flood_overrun(ring: list[tuple[int, int]], warm: list[int | None], rates: list[int],
                  seconds: float, burst: int, burst_s: float, minute: int) -> int:
    """How many members the schedule would take over the flood limits (sends at their ideal
    times; the pauses between rates only help)."""
    times: dict[int, list[float]] = {}
    for m in warm:
        if m is not None:
            times.setdefault(m, []).append(0.0)
    t0, i = WARM_UP_PAUSE, 0
    for rate in rates:
        total = int(rate * seconds)
        for k in range(total):
            times.setdefault(ring[(i + k) % len(ring)][0], []).append(t0 + k / rate)
        i += total
        t0 += total / rate
    over = 0
    for ts in times.values():
        if any(ts[j] - ts[j - burst] < burst_s + SAFETY for j in range(burst, len(ts))) or \
                any(ts[j] - ts[j - minute] < 60 + SAFETY for j in range(minute, len(ts))):
            over += 1
    return over


async def run(args: argparse.Namespace, server: Server) -> None:
    from parta.config import Settings

    if args.school:
        groups, extra = issue_school()
    else:
        groups, extra = [args.chat_size] * (args.clients // args.chat_size), 0
    rates = [int(r) for r in args.rates.split(",")]
    over_ws = args.send_over == "ws"
    school = await seed(server.database_url, groups=groups, extra=extra)
    members = len(school.tokens)
    online = set(pick(min(args.clients, members), members)) if args.school else set(range(members))
    ring = senders_ring(school, online, one=args.senders == "one")
    warm = warm_up_senders(school, online)
    defaults = Settings()
    over = flood_overrun(ring, warm, rates, args.seconds, defaults.flood_burst_messages,
                         defaults.flood_burst_seconds, defaults.flood_minute_messages)
    raised = args.flood_limits == "raise" or (args.flood_limits == "auto" and over)
    if raised:
        server.settings.update(PARTA_FLOOD_BURST_MESSAGES=RAISED,
                               PARTA_FLOOD_MINUTE_MESSAGES=RAISED)
    server.start()
    http = Http(server.port, size=args.connections) if not over_ws else None
    sink = Recorder()
    try:
        if http is not None:
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
        by_token = {lis.token: lis for lis in listeners}
        socket_of: dict[int, Listener] = {m: by_token[school.tokens[m]] for m in online}
        reach = [sum(1 for m in seat.members if m in online) for seat in school.chats]
        print(f"\n{n} clients connected in {took:.1f} s ({members} members, {len(school.chats)} "
              f"chats); server memory per connection ≈ "
              f"{(busy['VmRSS'] - idle['VmRSS']) / n:.1f} KiB RSS, "
              f"{(busy['RssAnon'] - idle['RssAnon']) / n:.1f} KiB anonymous "
              f"(VmRSS {idle['VmRSS']} → {busy['VmRSS']} KiB); load average {load_average()}")
        print(f"sends over {'the senders’ event sockets' if over_ws else 'HTTP'}; "
              f"{len(ring)} senders {'(one per chat)' if args.senders == 'one' else 'in turn'} "
              f"(each sends once every "
              f"{', '.join(f'{len(ring) / r:.2f}' for r in rates)} s at "
              f"{', '.join(map(str, rates))}/s); a message reaches "
              f"{sum(reach[s] for _, s in ring) / len(ring):.1f} connected members on average")
        if raised:
            print(f"!! flood limits RAISED on the server (PARTA_FLOOD_BURST_MESSAGES and "
                  f"PARTA_FLOOD_MINUTE_MESSAGES = {RAISED}): "
                  + (f"at these rates {over} members would send more than "
                     f"{defaults.flood_burst_messages} per {defaults.flood_burst_seconds} s or "
                     f"{defaults.flood_minute_messages} a minute" if over else "as asked"))
        elif over:
            print(f"!! {over} members will go over the flood limits: expect refusals")
        print()

        async def send_http(i: int, member: int, seat_no: int, text: str) -> None:
            assert http is not None
            t = time.perf_counter()
            status, body = await http.post(f"/api/v1/chats/{school.chats[seat_no].chat_id}"
                                           f"/messages", school.tokens[member],
                                           b'{"body":"%r:%s"}' % (t, text.encode()))
            now = time.perf_counter()
            sink.answered_at = now
            sink.answer_latencies.append(now - t)
            if status == 200:
                sink.acked += 1
                sink.expected += reach[seat_no]
            elif status == 202:
                sink.held += 1
            else:
                try:
                    code = json.loads(body)["error"]["code"]
                except (ValueError, KeyError, TypeError):
                    code = "?"
                key = f"{status} {code}"
                sink.refused[key] = sink.refused.get(key, 0) + 1

        def send_ws(ref: bytes, member: int, seat_no: int, text: str) -> None:
            t = time.perf_counter()
            sink.waiting[ref] = (t, reach[seat_no])
            socket_of[member].send(b'{"type":"send","ref":"%s","chat_id":%d,"body":"%r:%s"}' % (
                ref, school.chats[seat_no].chat_id, t, text.encode()))

        async def answers(since: float, patience: float) -> float:
            """Wait until every send is answered, or none was for ``patience`` seconds;
            returns when the last answer came."""
            while sink.waiting and time.perf_counter() - max(sink.answered_at, since) < patience:
                await asyncio.sleep(0.02)
            return sink.answered_at or time.perf_counter()

        # Warm up (first-use costs: imports, compiled statements, the conduct filter): one
        # message per chat, not counted.
        if over_ws:
            for k, m in enumerate(warm):
                if m is not None:
                    send_ws(b"w%d" % k, m, k, f"warm-up {k}")
            await answers(time.perf_counter(), 30)
        else:
            for k, m in enumerate(warm):
                if m is not None:
                    await send_http(-1, m, k, f"warm-up {k}")
        if sink.refused:
            print(f"!! warm-up refused: {sink.refused}")
        await asyncio.sleep(WARM_UP_PAUSE)

        header = ("rate/s", "sent/s", "deliv/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
                  "ans p50", "ans p99", "delivered", "refused", "srv µs/msg", "µs/deliv",
                  "srv CPU", "bench CPU", "load")
        print(" | ".join(f"{h:>10}" for h in header))
        print("-" * (13 * len(header)))
        sequence = 0
        refusals: Counter[str] = Counter()
        unanswered = 0
        for rate in rates:
            sink.reset()
            total = int(rate * args.seconds)
            cpu0, mine0 = cpu_seconds(server.pid), time.process_time()
            start = time.perf_counter()
            pending: list[asyncio.Task[None]] = []
            k = 0
            while k < total:  # whatever is due now, then sleep until the next one is
                due = min(total, int((time.perf_counter() - start) * rate) + 1)
                while k < due:
                    i = sequence + k
                    member, seat_no = ring[i % len(ring)]
                    text = f"load {i}"
                    if over_ws:
                        send_ws(b"%d" % i, member, seat_no, text)
                    else:
                        pending.append(asyncio.create_task(send_http(i, member, seat_no, text)))
                    k += 1
                delay = start + k / rate - time.perf_counter()
                await asyncio.sleep(max(delay, 0))
            sequence += total
            if pending:
                await asyncio.gather(*pending)
                sending = time.perf_counter() - start
            else:
                sending = await answers(time.perf_counter(), args.patience) - start
            unanswered += len(sink.waiting)
            sink.waiting.clear()
            # Let the last deliveries land: until nothing arrives for half a second.
            expected = sink.expected
            while len(sink.latencies) < expected and time.perf_counter() - max(
                    sink.last_at, start + sending) < 0.5:
                await asyncio.sleep(0.05)
            cpu = cpu_seconds(server.pid) - cpu0
            mine = time.process_time() - mine0
            wall = time.perf_counter() - start
            got = len(sink.latencies)
            sent = sink.acked
            q, a = quantiles(sink.latencies), quantiles(sink.answer_latencies)
            refused = sum(sink.refused.values())
            refusals.update(sink.refused)
            row = (rate, sent / sending, got / wall, q["p50"], q["p95"], q["p99"], q["max"],
                   a["p50"], a["p99"],
                   f"{100 * got / expected:.1f}%" if expected else "-", refused,
                   cpu / sent * 1e6 if sent else 0.0, cpu / got * 1e6 if got else 0.0,
                   f"{100 * cpu / wall:.0f}%", f"{100 * mine / wall:.0f}%", load_average())
            print(" | ".join(f"{v:>10.1f}" if isinstance(v, float) else f"{v!s:>10}"
                             for v in row), flush=True)
        if refusals:
            print(f"\nrefused: {dict(refusals)} (status and code: count); server log: {server.log}")
        if unanswered or sink.unknown:
            print(f"\n!! {unanswered} sends never answered, {sink.unknown} late or unknown answers")
        if sink.disorder or sink.resyncs:
            print(f"\n!! {sink.disorder} events out of order, {sink.resyncs} resyncs")
        if raised:
            print("\n(flood limits were raised for this run)")
        for listener in listeners:
            if listener.transport is not None:
                listener.transport.close()
    finally:
        if http is not None:
            http.close()
        server.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--school", action="store_true", help="issue 3's school (3,300 members)")
    p.add_argument("--clients", type=int, default=300)
    p.add_argument("--chat-size", type=int, default=30)
    p.add_argument("--rates", default="25,50,100", help="messages/s, one step each: 200,500,1000")
    p.add_argument("--seconds", type=float, default=5, help="seconds of sending at each rate")
    p.add_argument("--send-over", choices=("ws", "http"), default="ws",
                   help="the senders' event sockets (default) or HTTP requests")
    p.add_argument("--senders", choices=("turns", "one"), default="turns",
                   help="turns: every connected member of a chat in turn; one: one active "
                        "sender per chat (issue 12's shape; the flood limits get raised)")
    p.add_argument("--flood-limits", choices=("auto", "keep", "raise"), default="auto",
                   help="raise the server's flood limits if the schedule would go over them "
                        "(auto), never, or always")
    p.add_argument("--patience", type=float, default=10.0,
                   help="seconds without an answer before the unanswered sends are given up")
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
