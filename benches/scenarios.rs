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

use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::time::Duration;

use authbench_scenario::fixture::ModeFixture;
use authbench_scenario::{library, runner};
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
            let mut fixture = runtime
                .block_on(ModeFixture::build(loaded, mode))
                .unwrap_or_else(|e| panic!("{} / {mode}: {e}", loaded.name));
            let mut tokens = HashMap::new();
            let mut health = runner::ServiceHealth::default();
            for (index, spanned) in loaded.scenario.steps.iter().enumerate() {
                let step = &spanned.value;
                let Some(spec) = &step.request else {
                    if let Some(event) = &step.service {
                        health.apply(event);
                    }
                    runtime
                        .block_on(fixture.apply(step))
                        .unwrap_or_else(|e| panic!("{} step {}: {e}", loaded.name, index + 1));
                    continue;
                };
                if health.faulty() {
                    continue;
                }
                let Ok(req) = fixture
                    .request(spec, &mut tokens)
                    .expect("the fixture builds the request")
                else {
                    continue; // refused by connect parsing: no mode decides it
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
                let auth = fixture.authenticator().clone();
                c.bench_function(&id, |b| {
                    b.iter(|| runtime.block_on(auth.authenticate(black_box(&req))));
                });
            }
            runtime.block_on(fixture.shutdown());
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
