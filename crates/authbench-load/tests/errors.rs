//! Errors keep the error underneath as their source instead of flattening it into text.

use authbench_load::LoadError;

#[test]
fn a_setup_error_keeps_the_error_underneath_as_its_source() {
    let missing = std::env::temp_dir().join("authbench-no-such-dir/none.yaml");
    let err = authbench_load::scenario::load(&[missing]).expect_err("a missing scenario file");
    let LoadError::Setup(context) = &err else {
        panic!("expected LoadError::Setup, got {err:?}");
    };
    let under = std::error::Error::source(context).expect("the loader's error is kept");
    assert!(
        under
            .downcast_ref::<authbench_scenario::yaml::YamlError>()
            .is_some(),
        "{under:?}"
    );
    assert!(err.to_string().starts_with("setup: "), "{err}");
    assert!(err.to_string().contains("none.yaml"), "{err}");
}
