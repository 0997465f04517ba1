"""Routing: the compiled network, time-dependent search, itineraries."""
