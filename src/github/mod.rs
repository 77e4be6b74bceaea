//! GitHub: events, the sticky comment, workflow commands. PLACEHOLDER.
