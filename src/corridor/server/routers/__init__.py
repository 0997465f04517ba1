"""The API's routers: meta (health, version), queries (routes and analyses), scenarios."""
