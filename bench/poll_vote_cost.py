"""What one vote costs the server, in process (no sockets, no other clients): SQL statements
and CPU per vote, through the whole HTTP path (the app under an in-process transport), one vote
at a time (batches of one) and ``--together`` at once (one batch).

    .venv/bin/python bench/poll_vote_cost.py --votes 300 --together 16

Counts are exact (every statement the engine runs while the votes are made, the coalesced
flushes included); CPU is this process's, so compare it only side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from harness import Server, seed, sqlite_url


async def run(args: argparse.Namespace, server: Server) -> None:
    import httpx
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from parta.app import create_app
    from parta.config import Settings

    school = await seed(server.database_url, groups=[], extra=args.votes + 1, channel=True)
    assert school.channel is not None
    os.environ.update({k: v for k, v in server.env.items() if k.startswith("PARTA_")})
    app = create_app(Settings())
    services = app.state.services
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    async with app.router.lifespan_context(app):
        event.listen(Engine, "before_cursor_execute", count)  # every engine of this process
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://parta") as http:
            def auth(i: int) -> dict[str, str]:
                return {"Authorization": f"Bearer {school.tokens[i]}"}

            r = await http.post(f"/api/v1/chats/{school.channel.chat_id}/polls",
                                headers=auth(school.poster),
                                json={"question": "Когда?", "options": ["А", "Б", "В"],
                                      "results": "always"})
            assert r.status_code == 201, r.text
            poll = r.json()
            options = [o["id"] for o in poll["options"]]
            voters = [i for i in range(1, args.votes + 1) if i != school.poster][:args.votes]
            await services.poll_results.drain()

            async def vote(k: int) -> None:
                r = await http.post(f"/api/v1/polls/{poll['id']}/vote", headers=auth(voters[k]),
                                    json={"option_ids": [options[k % 3]]})
                assert r.status_code == 200, r.text

            half = len(voters) // 2
            rows = []
            for name, ks, size in (("one at a time", range(half), 1),
                                   (f"{args.together} at once", range(half, len(voters)),
                                    args.together)):
                ks = list(ks)
                statements, batches0 = 0, app.state.vote_queue.batches
                cpu = time.process_time()
                for at in range(0, len(ks), size):
                    await asyncio.gather(*(vote(k) for k in ks[at:at + size]))
                await services.poll_results.drain()
                cpu = time.process_time() - cpu
                n = len(ks)
                rows.append((name, n, app.state.vote_queue.batches - batches0,
                             statements / n, cpu / n * 1000))
    print(f"\n{'votes':<16} | votes | batches | statements per vote | CPU per vote")
    for name, n, batches, per, ms in rows:
        print(f"{name:<16} | {n:5} | {batches:7} | {per:19.1f} | {ms:.2f} ms")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--votes", type=int, default=300)
    p.add_argument("--together", type=int, default=16)
    args = p.parse_args()
    server = Server(sqlite_url("parta-vote-cost-"))
    server.migrate()
    asyncio.run(run(args, server))


if __name__ == "__main__":
    main()
