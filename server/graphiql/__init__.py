"""GraphiQL, served whole by the server: the page (``page``) and the files it loads
(``assets``; the third-party ones unmodified under ``static/vendor/``, listed with their
versions, sources and hashes in its README)."""

from server.graphiql.assets import static_app
from server.graphiql.page import graphiql_page

__all__ = ["graphiql_page", "static_app"]
