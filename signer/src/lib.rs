//! Signet online signer library.
