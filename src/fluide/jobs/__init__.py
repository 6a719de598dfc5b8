"""Background work: sending invitations on their channels, exactly once.

The ``deliveries`` table is the truth (a transactional outbox: a delivery row
is written in the same transaction as its invitation). Jobs only carry a
delivery id; running one claims the row, sends, and records the result. On
PostgreSQL, procrastinate carries the jobs to ``fluide worker`` processes on
any number of machines; on SQLite, a worker thread inside ``fluide serve`` runs
the same function.
"""
