"""Pace's input channels: Rasa's own, with the checks a public assistant needs."""
