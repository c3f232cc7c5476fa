//! authbench-scenario (work in progress).
