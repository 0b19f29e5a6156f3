"""A poll in the school-wide channel: ``--voters`` members vote within ``--seconds`` while
``--clients`` members watch it live.

    .venv/bin/python bench/polls.py --members 3300 --clients 3000 --voters 3000 --seconds 10

Starts its own server (a fresh SQLite file unless --database-url), seeds a school whose channel
holds every member, connects ``--clients`` of them to the event stream, has the channel's owner
post a poll, then sends one vote per voter over HTTP (``--connections`` keep-alive connections)
at an even pace so that all are sent within ``--seconds``. Prints: votes sent, accepted (200) and
refused, votes/s accepted; ``poll.results`` events per viewer (coalesced: at most one a second
per poll, against one per vote without coalescing) and the frames they cost; the time from a
vote's send until a client that did not vote sees a count that includes it (p50/p95/p99/max
over every vote: the first results event received after the vote was answered that counts at
least as many votes as had been answered then); server CPU per vote. Measures only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import time
from array import array

from harness import (
    Http,
    Listener,
    Recorder,
    Server,
    connect_all,
    cpu_seconds,
    load_average,
    pick,
    quantiles,
    seed,
    sqlite_url,
)


class Watch:
    """Every ``poll.results`` each client received: (receipt time, voters)."""

    def __init__(self) -> None:
        self.seen: dict[int, list[tuple[float, int]]] = {}


def watching(watch: Watch) -> None:
    """Teach the harness's listener to note ``poll.results`` (by position, as it reads frames)."""
    plain = Listener.on_text

    def on_text(self: Listener, payload: bytes, now: float) -> None:
        if b'"type":"poll.results"' in payload[:60]:
            i = payload.find(b'"voters":') + 9
            voters = int(payload[i:payload.index(b",", i)])
            watch.seen.setdefault(id(self), []).append((now, voters))
        elif b'"type":"message.new"' in payload[:80]:
            return  # the poll's own message: its body is no send time
        plain(self, payload, now)

    Listener.on_text = on_text  # type: ignore[method-assign]


async def run(args: argparse.Namespace, server: Server) -> None:
    school = await seed(server.database_url, groups=[], extra=args.members, channel=True)
    assert school.channel is not None
    online = pick(min(args.clients, args.members), args.members)
    voters = [i + 1 for i in pick(min(args.voters, args.members - 1), args.members - 1, seed=11)]  # member 0 is the channel's owner, who asks
    watch = Watch()
    watching(watch)
    server.start()
    http = Http(server.port, size=args.connections)
    sink = Recorder()
    try:
        await http.open()
        await asyncio.sleep(0.5)
        listeners = await connect_all(server.port, [school.tokens[i] for i in online], sink,
                                      args.connect_parallel)
        by_member = dict(zip(online, listeners, strict=True))
        voting = set(voters)
        observers = [id(by_member[i]) for i in online if i not in voting]
        print(f"\n{len(listeners)} clients watching ({args.members} members in the channel), "
              f"{len(voters)} voters, {len(observers)} watching clients that do not vote; "
              f"load average {load_average()}")
        status, body = await http.post(
            f"/api/v1/chats/{school.channel.chat_id}/polls", school.tokens[school.poster],
            json.dumps({"question": "Когда проводим день открытых дверей?",
                        "options": ["В субботу", "В воскресенье", "В будний день"],
                        "results": "always"}).encode())
        assert status == 201, (status, body[:300])
        poll = json.loads(body)
        options = [o["id"] for o in poll["options"]]
        url = f"/api/v1/polls/{poll['id']}/vote"
        await asyncio.sleep(1.5)  # the poll's own message.new has reached everyone
        watch.seen.clear()
        sent_at = array("d", [0.0] * len(voters))
        answered_at = array("d", [0.0] * len(voters))
        ok = [False] * len(voters)
        outcomes: dict[int, int] = {}
        interval = args.seconds / len(voters)
        if os.environ.get("BENCH_PROFILE_WINDOW"):
            os.kill(server.pid, signal.SIGUSR1)  # profile_server.py: from here on
        cpu0 = cpu_seconds(server.pid)
        t0 = time.perf_counter()

        async def vote(k: int) -> None:
            delay = t0 + k * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent_at[k] = time.perf_counter()
            st, _ = await http.post(url, school.tokens[voters[k]],
                                    b'{"option_ids":[%d]}' % options[k % len(options)])
            answered_at[k] = time.perf_counter()
            ok[k] = st == 200
            outcomes[st] = outcomes.get(st, 0) + 1

        await asyncio.gather(*(vote(k) for k in range(len(voters))))
        last_answer = time.perf_counter()
        await asyncio.sleep(args.settle)  # the last coalesced flush goes out
        cpu = cpu_seconds(server.pid) - cpu0
        accepted = outcomes.get(200, 0)

        # Vote → a count that includes it, on clients that did not vote.
        # Only accepted votes count toward the number answered.
        order = sorted((k for k in range(len(voters)) if ok[k]), key=lambda k: answered_at[k])
        rank = {k: n + 1 for n, k in enumerate(order)}
        latencies = array("d")
        for obs in observers:
            events = watch.seen.get(obs, [])
            j = 0
            for k in order:  # votes in the order they were answered; events in receipt order
                while j < len(events) and (events[j][0] < answered_at[k] or events[j][1] < rank[k]):
                    j += 1
                if j == len(events):
                    break
                latencies.append(events[j][0] - sent_at[k])
        per_viewer = [len(watch.seen.get(id(listener), [])) for listener in listeners]
        frames = sum(per_viewer)
        q = quantiles(latencies)
        took = last_answer - t0
        rows = [
            ("votes sent", f"{len(voters)} in {took:.1f} s"),
            ("accepted (200)", f"{accepted}"),
            ("refused", ", ".join(f"{s}: {n}" for s, n in sorted(outcomes.items()) if s != 200) or "0"),
            ("votes/s accepted", f"{accepted / took:.0f}"),
            ("poll.results per viewer", (f"median {statistics.median(per_viewer):.0f}, "
                                         f"max {max(per_viewer)} (one per vote would be {accepted})")
             if per_viewer else "(no client watching)"),
            ("poll.results frames in all", f"{frames} to {len(listeners)} clients"),
            ("vote → count seen, p50", f"{q['p50']:.0f} ms"),
            ("p95", f"{q['p95']:.0f} ms"),
            ("p99", f"{q['p99']:.0f} ms"),
            ("max", f"{q['max']:.0f} ms"),
            ("measured over", f"{len(latencies)} (vote, watching client) pairs"),
            ("server CPU per vote", f"{cpu / max(accepted, 1) * 1000:.2f} ms (with the flushes)"),
            ("server CPU share", f"{cpu / (took + args.settle) * 100:.0f} % of a core"),
            ("load average", load_average()),
        ]
        width = max(len(r[0]) for r in rows)
        print()
        for name, value in rows:
            print(f"{name:<{width}} | {value}")
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
    p.add_argument("--voters", type=int, default=3000)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--connections", type=int, default=64, help="keep-alive HTTP connections")
    p.add_argument("--settle", type=float, default=3.0, help="seconds to wait after the last vote")
    p.add_argument("--connect-parallel", type=int, default=100)
    p.add_argument("--database-url", default="")
    args = p.parse_args()
    server = Server(args.database_url or sqlite_url("parta-polls-"))
    server.migrate()
    asyncio.run(run(args, server))


if __name__ == "__main__":
    main()
