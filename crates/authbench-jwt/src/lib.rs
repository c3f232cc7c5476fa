//! authbench-jwt (work in progress).
