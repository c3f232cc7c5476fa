//! Connect parsing (in progress).
