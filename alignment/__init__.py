"""Purpose–Performance Alignment: questionnaires, scoring, storage and charts for leaders."""
