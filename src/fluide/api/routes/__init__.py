"""One module per resource; each route only parses, calls a service, and answers."""
