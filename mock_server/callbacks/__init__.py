"""Callbacks: POST the bare task object to ``callback_url`` whenever a task's status changes.

A map: ``payload.py`` builds the body bytes from a snapshot of the task, ``signing.py`` adds
the Standard Webhooks headers, ``policy.py`` says how hard to try (and which fault effects a
delivery carries), ``sender.py`` delivers in order with retries on the simulated clock and
``journal.py`` records every attempt, whatever happened.
"""
