//! Decision latency of every request step of the shipped scenarios, per mode: ids
//! `MODE/SCENARIO/STEP`. Each step is measured in the state the scenario has reached there
//! (events applied, clock advanced), with the request a client of that mode sends.
//!
//! Steps taken while the auth service is faulty (down, slow, hanging, malformed) are left out:
//! they measure the fault, not the mode. Compare the figures with the references bench
//! (`cargo bench --bench references`): raw HMAC / signature verify, raw `jsonwebtoken::decode`,
//! a raw loopback POST, a raw bcrypt verify and a null authenticator.
//!
//! `AUTHBENCH_BENCH_SCENARIOS=roles,stateless cargo bench --bench scenarios` limits the run.

#![allow(missing_docs)]

use std::collections::HashSet;
use std::hint::black_box;
use std::time::Duration;

use authbench_harness::builtin::BuiltinWorld;
use authbench_harness::runner;
use authbench_harness::session::{Prepared, Session};
use authbench_scenario::library;
use authbench_scenario::spec::Step;
use criterion::{Criterion, criterion_group, criterion_main};

fn scenarios(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let only: Option<HashSet<String>> = std::env::var("AUTHBENCH_BENCH_SCENARIOS")
        .ok()
        .map(|v| v.split(',').map(str::to_owned).collect());
    let library = library::load_library().expect("the shipped scenarios load");
    let mut seen = HashSet::new();
    for loaded in &library {
        if only.as_ref().is_some_and(|o| !o.contains(&loaded.name)) {
            continue;
        }
        for mode in loaded.scenario.modes() {
            let world = runtime
                .block_on(BuiltinWorld::build(loaded, mode))
                .unwrap_or_else(|e| panic!("{} / {mode}: {e}", loaded.name));
            let mut session = Session::new(Box::new(world));
            for (index, spanned) in loaded.scenario.steps.iter().enumerate() {
                let line = spanned.referenced.line() as usize;
                let step = match &spanned.value {
                    Step::Event(event) => {
                        runtime
                            .block_on(session.event(event, line))
                            .unwrap_or_else(|e| panic!("{} step {}: {e}", loaded.name, index + 1));
                        continue;
                    }
                    Step::Request(step) => step,
                };
                if session.service_faulty() {
                    continue;
                }
                let req = match runtime
                    .block_on(session.request(&step.request))
                    .expect("the world builds the request")
                {
                    Prepared::Ready(req) => req,
                    // Refused by connect parsing: no mode decides it.
                    Prepared::Refused(_) | Prepared::Skipped(_) => continue,
                };
                let name = step
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("step-{}", index + 1));
                let id = format!(
                    "{mode}/{}/{:02}-{}",
                    loaded.name,
                    index + 1,
                    runner::slug(&name)
                );
                assert!(
                    seen.insert(id.clone()),
                    "benchmark id {id} is registered twice"
                );
                let auth = session.world().authenticator().clone();
                c.bench_function(&id, |b| {
                    b.iter(|| runtime.block_on(auth.authenticate(black_box(&req))));
                });
            }
            runtime.block_on(session.shutdown());
        }
    }
}

criterion_group! {
    name = benches;
    // Many short benchmarks: enough samples for a stable median, a run of minutes, not hours.
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = scenarios
}
criterion_main!(benches);
