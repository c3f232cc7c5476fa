//! authbench-roundtrip (work in progress).
