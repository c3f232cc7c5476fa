//! Target YAML (`authbench-target`): the target file loader with its checks, and what a loaded
//! target derives from the file alone (no secret is read, nothing is sent).
//!
//! Property: any text is either loaded or refused with an error naming the file; nothing panics;
//! a loaded target's round-trip service is shown as `scheme://host:port` only (no user info, no
//! path, no query).

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = Path::new("/nonexistent/fuzz.yaml");
    let target = match authbench_target::parse(text, file) {
        Ok(target) => target,
        Err(e) => {
            assert!(e.to_string().contains("fuzz.yaml"), "{e}");
            return;
        }
    };
    assert!(!target.modes().is_empty());
    let description = target.describe();
    if let Some(service) = &description.roundtrip_service {
        let after_scheme = service.split_once("://").map_or(service.as_str(), |(_, rest)| rest);
        assert!(
            !after_scheme.contains(['/', '?', '@', '#']) || service == "(not a URL)",
            "{service}"
        );
    }
    let _ = description.to_string();
    let _ = target.jwt_config();
    let _ = target.file_config();
    for identity in target.identities() {
        assert!(target.spec().identities.contains_key(identity));
    }
});
