"""Tasks: the model, the store behind a small interface, the lifecycle, the clock and ids."""
