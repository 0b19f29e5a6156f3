"""Every state change. ``check_*`` validates and authorizes; ``do_*`` mutates, audits and emits.

Actions never commit: the unit of work (``parta.actions.base.unit_of_work``) commits once per
request and only then hands the queued events to the bus.
"""
