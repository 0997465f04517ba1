"""corridor over HTTP: a FastAPI app factory (needs ``pip install 'corridor[server]'``).

>>> from corridor.server import Limits, create_app
>>> app = create_app(db=":memory:", limits=Limits(max_draws=5000))
>>> app.title
'corridor'

Importing :mod:`corridor` does not import this package (nor FastAPI); ``corridor serve``
imports it when it starts.
"""

from corridor.server.app import create_app
from corridor.server.config import Limits

__all__ = ["Limits", "create_app"]
