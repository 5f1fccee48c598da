//! Verification of signed zones (being written).
