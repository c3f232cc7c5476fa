//! The reference auth service with the identities `authbench bench` generates, on a fixed
//! address, for measuring it with an outside tool such as `wrk`:
//!
//! ```sh
//! cargo run --release -p authbench-load --example reference_service -- 127.0.0.1:18089 60
//! ```
//!
//! Serves for the given number of seconds (default 60), on two runtime threads like the service
//! `authbench bench` loads.

use std::net::SocketAddr;
use std::time::Duration;

use authbench_authsvc::{AuthService, ServiceOptions};
use authbench_load::workload::Users;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:18089".into())
        .parse()?;
    let secs: u64 = args.next().map_or(Ok(60), |s| s.parse())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let users = Users::generate(64);
    rt.block_on(async move {
        let running = AuthService::new(&users.identities, ServiceOptions::default())?
            .spawn(addr)
            .await?;
        println!("serving {} for {secs}s", running.base_url());
        tokio::time::sleep(Duration::from_secs(secs)).await;
        running.shutdown().await;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
