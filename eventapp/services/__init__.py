"""Domain rules as plain functions: session, time and inputs in; objects or DomainErrors out.

Services never import flask, flush but never commit, and take the time (``now``)
and configuration values explicitly so that HTML views, the JSON API, the CLI and
the worker share one implementation of every rule.
"""
