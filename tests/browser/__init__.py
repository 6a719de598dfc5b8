"""End-to-end tests of the in-app widget in headless Chromium."""
