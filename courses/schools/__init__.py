"""Schools: the municipal Escuelas Ciudadanas that share one installation with the academy.

A ``School`` is one municipality's school: its comuna (CUT), and the Wagtail ``Site`` that serves its home page and
catalogue on its own host name. It lives in ``courses`` (the lowest layer) so that every layer can point at it
(certificate issuers today; cohorts, staff and reports when they are scoped). The academy is the default site and
has no ``School`` row. Creating and removing a school touches every layer, so those services live in ``cms.schools``.
"""
