//! authbench-authsvc (work in progress).
