"""Remote consent links: the desk makes and cancels them, the person signs on a public page."""
