//! One mode walking one scenario in a world: the tokens its clients hold, whether the auth service
//! is faulty, and whether the world has left the scenario's path (an event it could not apply).
//! The runner, the load tooling and the Criterion benches all walk scenarios through a session.

use std::collections::HashMap;

use authbench_core::{AuthRequest, Deny};
use authbench_scenario::spec::{Event, RequestSpec, ServiceEvent};

use crate::request;
use crate::world::{World, WorldError};

/// What a request step turned into.
#[derive(Debug)]
pub enum Prepared {
    /// The request a client of the mode sends, ready for the authenticator.
    Ready(AuthRequest),
    /// What the client sent does not parse: the server refuses it before any mode decides.
    Refused(Deny),
    /// The step cannot run in this world; the reason says why.
    Skipped(String),
}

/// One mode walking one scenario in a world.
pub struct Session {
    world: Box<dyn World>,
    tokens: HashMap<String, String>,
    health: ServiceHealth,
    diverged: Option<String>,
}

impl Session {
    /// Starts walking in `world`.
    pub fn new(world: Box<dyn World>) -> Session {
        Session {
            world,
            tokens: HashMap::new(),
            health: ServiceHealth::default(),
            diverged: None,
        }
    }

    /// The world.
    pub fn world(&self) -> &dyn World {
        self.world.as_ref()
    }

    /// Makes an event (at `line` of the scenario) happen. When the world cannot apply it, the
    /// session has left the scenario's path and every later request is skipped with the reason;
    /// only a real failure is an error.
    pub async fn event(&mut self, event: &Event, line: usize) -> Result<(), WorldError> {
        if self.diverged.is_some() {
            return Ok(());
        }
        if let Event::Service(service) = event {
            self.health.apply(service);
        }
        match self.world.apply(event).await {
            Ok(()) => Ok(()),
            Err(WorldError::Unavailable(why)) => {
                self.diverged = Some(format!(
                    "follows `{event}` (line {line}), which this target cannot apply: {why}"
                ));
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// The request of a step as a client of the world's mode sends it.
    pub async fn request(&mut self, spec: &RequestSpec) -> Result<Prepared, WorldError> {
        if let Some(why) = &self.diverged {
            return Ok(Prepared::Skipped(why.clone()));
        }
        match request::build(spec, self.world.as_ref(), &mut self.tokens).await {
            Ok(Ok(req)) => Ok(match self.world.unsupported(&req) {
                Some(why) => Prepared::Skipped(why),
                None => Prepared::Ready(req),
            }),
            Ok(Err(deny)) => Ok(Prepared::Refused(deny)),
            Err(WorldError::Unavailable(why)) => Ok(Prepared::Skipped(why)),
            Err(e) => Err(e),
        }
    }

    /// Whether a `service:` event has made the auth service faulty (down, or answering with a
    /// fault): decisions then measure the fault, not the mode.
    pub fn service_faulty(&self) -> bool {
        self.health.faulty()
    }

    /// Stops the world.
    pub async fn shutdown(self) {
        self.world.shutdown().await;
    }
}

/// Whether a scenario has made the auth service faulty: stopped, or answering with a fault.
#[derive(Debug, Default, Clone, Copy)]
struct ServiceHealth {
    down: bool,
    faults: bool,
}

impl ServiceHealth {
    fn apply(&mut self, event: &ServiceEvent) {
        match event {
            ServiceEvent::Down => self.down = true,
            ServiceEvent::Up => self.down = false,
            ServiceEvent::Healthy => self.faults = false,
            ServiceEvent::Latency(_) | ServiceEvent::Hang | ServiceEvent::Malformed => {
                self.faults = true
            }
        }
    }

    fn faulty(&self) -> bool {
        self.down || self.faults
    }
}
