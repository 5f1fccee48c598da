//! RFC 1035 master-file reader (being written).
