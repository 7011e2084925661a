"""A local stand-in for Astra DB: a TLS + token-auth Cassandra node, a metadata service, and a Secure Connect Bundle.

Driven by `scripts/astra-local`; nothing in `app/` imports it. Everything it makes lives under `.astra-local/`.
"""
