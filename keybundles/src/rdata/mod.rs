//! RDATA presentation form ⇄ wire form (being written).
