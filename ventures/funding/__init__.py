"""Funding and impact: funding events, impact snapshots, exchange rates and
currencies, their totals (:mod:`.services`), forms and pages."""
