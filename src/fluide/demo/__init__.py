"""The demo workspace: twelve weeks of a French SaaS's customers, their actions and answers.

- :mod:`fluide.demo.customers` — who: new and established customers, three plans;
- :mod:`fluide.demo.activity` — what they do, and how easy each action feels;
- :mod:`fluide.demo.plan` — the events in the order the host sends them;
- :mod:`fluide.demo.verbatims` — what they write;
- :mod:`fluide.demo.fill` — the database, filled through the service's own use cases.

Deterministic: the same seed and end moment give the same events and answers.
"""

from fluide.demo.fill import DEMO_NAME, DemoResult, build_demo

__all__ = ["DEMO_NAME", "DemoResult", "build_demo"]
