"""What the use cases take: validated input models, below the services and the faces."""
