//! The local sandbox provider. PLACEHOLDER: replaced by the real implementation.
