"""Pace's custom actions, one module per concern. The action server imports this package."""

from actions.conversation import ActionContinueTopic, ActionSuggestTopics
from actions.nutrition import ActionCalculateProtein
from actions.safety import ActionEscalateSymptom

__all__ = [
    "ActionCalculateProtein",
    "ActionContinueTopic",
    "ActionEscalateSymptom",
    "ActionSuggestTopics",
]
