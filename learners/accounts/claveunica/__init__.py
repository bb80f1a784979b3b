"""Log-in with ClaveÚnica, the State's OpenID Connect provider: per-site client configuration (``config``), the
server-side calls to the provider with Authlib (``oidc``), accounts created or linked by the verified RUN
(``services``) and the pages (``views``). May import learners.accounts, learners.privacy and learners.notifications.
"""
