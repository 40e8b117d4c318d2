"""Results: task_result builders, media URLs and files, and rendering tasks on the wire."""
