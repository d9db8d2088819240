"""festival: runs a hybrid (online + on-site) festival day.

Importing this package does nothing but define the version; the service is assembled by
`festival.web.app.create_app` and driven by `festival.cli`.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
