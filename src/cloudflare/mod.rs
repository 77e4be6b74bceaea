//! The Cloudflare API client. PLACEHOLDER: replaced by the real implementation.
