"""The integration core under test: canonical model, messaging, adapters and patterns."""

__all__: list[str] = []
