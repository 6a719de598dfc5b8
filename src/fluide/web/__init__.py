"""The CSMs' dashboard: server-rendered pages under ``/app``, in French and English.

Every page is one data function rendered as HTML or, with ``?format=json``, as
the JSON the page was drawn from (see :func:`fluide.web.render.respond`).
"""
