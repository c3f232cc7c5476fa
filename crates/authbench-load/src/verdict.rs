//! What one request produced, and the workload: the requests sent, grouped into named cases with
//! an expected outcome each.

use std::fmt;

use authbench_core::{AuthRequest, Decision, DenyReason};

/// Why a request produced no decision at all (raw HTTP targets only: an authenticator always
/// decides, failing closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Failure {
    /// The connection could not be opened or was lost.
    Connection,
    /// The answer had this unexpected HTTP status.
    Status(u16),
    /// The answer's body could not be read or was not the expected one.
    Body,
}

/// The outcome of one request: compact and `Copy`, so recording it allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// Let in.
    Allow,
    /// Refused for this reason.
    Deny(DenyReason),
    /// No decision (a raw HTTP reference that failed).
    Failed(Failure),
}

impl Verdict {
    /// The verdict of a decision.
    pub fn of(decision: &Decision) -> Verdict {
        match decision.reason() {
            None => Verdict::Allow,
            Some(r) => Verdict::Deny(r),
        }
    }

    /// Whether the request got an answer at all.
    pub fn is_answer(self) -> bool {
        !matches!(self, Verdict::Failed(_))
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Allow => f.write_str("allow"),
            Verdict::Deny(r) => write!(f, "deny({r})"),
            Verdict::Failed(Failure::Connection) => f.write_str("error(connection)"),
            Verdict::Failed(Failure::Status(s)) => write!(f, "error(http {s})"),
            Verdict::Failed(Failure::Body) => f.write_str("error(body)"),
        }
    }
}

/// One kind of request in a workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// What it is (`valid publish`, `wrong password`).
    pub name: String,
    /// What the mode should answer.
    pub expected: Verdict,
}

/// The requests a run cycles through (request `i` of a run is `requests[i % len]`), each tagged
/// with its case.
#[derive(Debug, Clone, Default)]
pub struct Workload {
    /// The cases, in report order.
    pub cases: Vec<Case>,
    /// The requests and the index of their case in `cases`.
    pub requests: Vec<(AuthRequest, usize)>,
}

impl Workload {
    /// Request `i` of a run and its case index, cycling through the list. `None` when empty.
    pub fn get(&self, i: u64) -> Option<&(AuthRequest, usize)> {
        let n = self.requests.len() as u64;
        if n == 0 {
            return None;
        }
        self.requests.get(usize::try_from(i % n).ok()?)
    }

    /// Only the requests `keep` accepts (with their case), cases without a request left out.
    pub fn filter_requests(&self, keep: impl Fn(&AuthRequest, &Case) -> bool) -> Workload {
        let mut out = Workload::default();
        let mut index: Vec<Option<usize>> = vec![None; self.cases.len()];
        for (req, c) in &self.requests {
            let Some(case) = self.cases.get(*c) else {
                continue;
            };
            if !keep(req, case) {
                continue;
            }
            let slot = match index.get(*c).copied().flatten() {
                Some(k) => k,
                None => {
                    out.cases.push(case.clone());
                    let k = out.cases.len() - 1;
                    if let Some(i) = index.get_mut(*c) {
                        *i = Some(k);
                    }
                    k
                }
            };
            out.requests.push((req.clone(), slot));
        }
        out
    }

    /// Only the requests of the cases `keep` accepts (a join storm keeps the subscribes).
    pub fn filtered(&self, keep: impl Fn(&Case) -> bool) -> Workload {
        let kept: Vec<usize> = (0..self.cases.len())
            .filter(|&c| self.cases.get(c).is_some_and(&keep))
            .collect();
        let cases = kept
            .iter()
            .filter_map(|&c| self.cases.get(c).cloned())
            .collect();
        let requests = self
            .requests
            .iter()
            .filter_map(|(r, c)| kept.iter().position(|k| k == c).map(|new| (r.clone(), new)))
            .collect();
        Workload { cases, requests }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_stable() {
        assert_eq!(Verdict::Allow.to_string(), "allow");
        assert_eq!(
            Verdict::Deny(DenyReason::BadPassword).to_string(),
            "deny(bad_password)"
        );
        assert_eq!(
            Verdict::Failed(Failure::Status(503)).to_string(),
            "error(http 503)"
        );
        assert!(!Verdict::Failed(Failure::Body).is_answer());
    }
}
