//! Renderers of a plan. PLACEHOLDER.
