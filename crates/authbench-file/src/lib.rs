//! authbench-file (work in progress).
