//! Applying a plan. PLACEHOLDER.
