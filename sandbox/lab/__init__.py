"""Named labs: the catalogue of scenarios, the session that runs one (server, tap, client), and the
attack matrix."""
