"""Screens: pure functions that turn a service's result into text and buttons, and the
typed buttons each feature declares. Shared by the handlers and the outbox renderers;
nothing here talks to Telegram."""
