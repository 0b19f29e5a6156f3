"""CPU time of one send through the whole app, without sockets: the ASGI app called directly,
one request after another, with every member of the chat connected to the hub through a
socket stand-in that takes the text and does nothing with it.

    .venv/bin/python bench/send_path.py --sends 2000 --chat-size 30 [--profile out.prof]

Prints µs of CPU per send (request parsing, auth, the action, commit, event store, fan-out
to the chat's sockets) and how many SQL statements each send ran. Measures only.
``--over socket``: each send a ``send`` frame on its author's event socket, a batch of one.
``--senders one``: one member of each chat sends all of its messages (issue 12's shape).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import time

from harness import Seat, Server, seed, sqlite_url


async def run(args: argparse.Namespace, url: str) -> None:
    from sqlalchemy import event

    from parta.app import create_app
    from parta.config import Settings
    from parta.realtime.gateway import Connection

    school = await seed(url, groups=[args.chat_size] * args.chats)
    settings = Settings(database_url=url, mode="dev")
    if args.senders == "one":  # one member posts again and again: the limits out of the way
        settings = Settings(database_url=url, mode="dev", flood_burst_messages=1_000_000,
                            flood_minute_messages=1_000_000)
    app = create_app(settings)
    services = app.state.services
    await services.bus.start()
    engine = services.sessionmaker.kw["bind"]
    statements = [0]
    seen: list[str] = []

    def count(conn: object, cursor: object, sql: str, *rest: object) -> None:
        statements[0] += 1
        if args.show_sql:
            seen.append(" ".join(sql.split())[:150])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    delivered = [0]

    answers: list[str] = []

    async def sink(text: str) -> None:
        if text.startswith(('{"type":"sent"', '{"type":"refused"')):
            answers.append(text)
        else:
            delivered[0] += 1

    for seat in school.chats:
        for m in seat.members:
            conn = Connection(school.user_ids[m], sink)
            app.state.hub.register(conn)
            await conn.go_live(0)

    def author_of(seat: Seat, i: int) -> int:
        if args.senders == "one":
            return seat.members[1]  # a member, not the chat's moderator: every check runs
        return seat.members[(i // len(school.chats)) % len(seat.members)]

    async def call(i: int) -> int:
        seat = school.chats[i % len(school.chats)]
        author = author_of(seat, i)
        body = json.dumps({"body": f"Сообщение {i}: домашнее задание на завтра"}).encode()
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": f"/api/v1/chats/{seat.chat_id}/messages",
                 "raw_path": b"", "query_string": b"", "root_path": "",
                 "headers": [(b"host", b"bench"), (b"content-type", b"application/json"),
                             (b"content-length", str(len(body)).encode()),
                             (b"authorization", f"Bearer {school.tokens[author]}".encode())],
                 "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80), "state": {}}
        sent = False
        status = [0]

        async def receive() -> dict[str, object]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])  # type: ignore[call-overload]

        await app(scope, receive, send)
        return status[0]

    senders: dict[int, object] = {}
    if args.over == "socket":
        from sqlalchemy import select

        from parta.api.socket_send import SocketSender
        from parta.models import AuthSession

        async with services.sessionmaker() as db:
            session_of = {u: s for s, u in (await db.execute(
                select(AuthSession.id, AuthSession.user_id))).all()}
        queue = app.state.send_queue

        async def call(i: int) -> int:  # one send over its author's socket
            seat = school.chats[i % len(school.chats)]
            author = author_of(seat, i)
            uid = school.user_ids[author]
            sender = senders.get(uid)
            if sender is None:
                conn = Connection(uid, sink)
                await conn.go_live(0)
                sender = senders[uid] = SocketSender(conn, session_of[uid], "ru")
            answers.clear()
            queue.offer(sender, {"type": "send", "ref": f"r{i}", "chat_id": seat.chat_id,
                                 "body": f"Сообщение {i}: домашнее задание на завтра"})
            await queue.drain()  # a batch of one: the next send waits for this one's answer
            for _ in range(3):  # the answer is written from a task of its own
                if answers:
                    break
                await asyncio.sleep(0)
            return 200 if answers and '"type":"sent"' in answers[-1] else 500

    for i in range(50):  # warm up: imports, caches, the conduct filter's patterns
        assert await call(i) == 200, "send failed"
    if args.freeze:  # what a server can do once started: exempt what lives forever from GC
        import gc

        gc.collect()
        gc.freeze()
        if args.freeze > 1:
            gc.set_threshold(50_000, 50, 100)
    statements[0], delivered[0] = 0, 0
    seen.clear()
    profile = cProfile.Profile(time.process_time) if args.profile else None
    t0 = time.process_time()
    if profile:
        profile.enable()
    for i in range(50, 50 + args.sends):
        status = await call(i)
        assert status == 200, status
    if profile:
        profile.disable()
        profile.dump_stats(args.profile)
    cpu = time.process_time() - t0
    shape = "one sender per chat" if args.senders == "one" else "senders in turn"
    print(f"{args.sends} sends over {args.over} to chats of {args.chat_size} ({shape}): {cpu / args.sends * 1e6:.0f} µs CPU "
          f"per send ({cpu / delivered[0] * 1e6:.1f} µs per delivery), "
          f"{statements[0] / args.sends:.1f} SQL statements per send")
    if args.show_sql:  # the statements of the last send
        print("\n".join(seen[-round(statements[0] / args.sends):]))
    await services.bus.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sends", type=int, default=2000)
    p.add_argument("--chat-size", type=int, default=30)
    p.add_argument("--chats", type=int, default=40, help="senders take turns, under the flood limits")
    p.add_argument("--profile", default="")
    p.add_argument("--freeze", type=int, default=0,
                   help="1: gc.freeze() after the warm-up; 2: and collect less often")
    p.add_argument("--database-url", default="")
    p.add_argument("--show-sql", action="store_true", help="print the last send's statements")
    p.add_argument("--over", choices=["http", "socket"], default="http",
                   help="socket: each send a `send` frame on its author's event socket, "
                        "a batch of one (the socket path's fixed cost)")
    p.add_argument("--senders", choices=["turns", "one"], default="turns",
                   help="turns: the chat's members take turns (most sends are a sender's first: "
                        "cold caches); one: one member sends every message of the chat "
                        "(a teacher posting, a lively class), flood limits raised")
    args = p.parse_args()
    server = Server(args.database_url or sqlite_url("parta-send-"))
    server.migrate()
    asyncio.run(run(args, server.database_url))


if __name__ == "__main__":
    main()
