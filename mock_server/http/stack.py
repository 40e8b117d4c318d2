"""The app's layers, without two of Starlette's that every request would pay for in vain.

- ``ServerErrorMiddleware`` (outermost): the front door (http/door.py) answers every exception
  it can answer and re-raises only what must reach the server (a dropped connection, a failure
  after the answer started), which Starlette's layer would re-raise too, sending nothing.
- ``ExceptionMiddleware`` for a request the lookup router finds (http/router.py): that route
  wraps its endpoint with the same handlers already. Every other request goes through it.

Starlette's own stack is kept whenever it could do more (a 500 or ``Exception`` handler, a body
size limit, debug pages, another router).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.types import ASGIApp

from mock_server.http.router import LookupRouter


class KlingStarlette(Starlette):
    def build_middleware_stack(self) -> ASGIApp:
        handlers = self.exception_handlers
        more = 500 in handlers or Exception in handlers or self.debug
        more = more or getattr(self, "max_body_size", None) is not None
        if more or not isinstance(self.router, LookupRouter):
            return super().build_middleware_stack()
        exceptions = ExceptionMiddleware(self.router, handlers=handlers, debug=self.debug)
        try:  # the tables Starlette's layer puts in the scope; private, so checked
            tables = (exceptions._exception_handlers, exceptions._status_handlers)
        except AttributeError:  # another Starlette: its own stack, a little slower
            return super().build_middleware_stack()
        app = self.router.in_front_of(exceptions, tables)
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        return app
