"""The ossbox server: one ASGI application for OSS, STS, RAM and the internal endpoints."""
