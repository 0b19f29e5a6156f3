"""The flood limits' memory of a sender keeps only what a limit can still look at."""

from datetime import UTC, datetime, timedelta

from parta.actions.flood_state import Recent, norm_key


def test_a_busy_sender_keeps_only_posts_within_the_horizon() -> None:
    recent = Recent()
    t0 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    cap = 1_000_000  # the limits raised: the cap alone would keep every post
    for n in range(300):  # one post a second for five minutes, each text different
        at = t0 + timedelta(seconds=n)
        recent.messages.add(at, 7, norm_key(f"post {n}"), cap, at - timedelta(seconds=60))
    now = t0 + timedelta(seconds=299)
    assert len(recent.messages.times) == 60
    assert len(recent.messages.newest) == 60
    assert recent.count_since(now - timedelta(seconds=60)) == (60, now - timedelta(seconds=59))
    assert recent.repeats(7, norm_key("post 299"), now - timedelta(seconds=30))
    assert not recent.repeats(7, norm_key("post 10"), t0)  # long gone: no longer a duplicate


def test_without_a_horizon_only_the_cap_trims() -> None:
    recent = Recent()
    t0 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    for n in range(40):
        recent.messages.add(t0 + timedelta(seconds=n), 7, norm_key(f"p{n}"), 30)
    assert len(recent.messages.times) == 30
