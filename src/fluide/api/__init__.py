"""The HTTP service (FastAPI): thin routes over `fluide.services`."""
