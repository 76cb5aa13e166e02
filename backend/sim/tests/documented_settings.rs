//! docs/configuration.md documents every flag and variable of `longjobs-sim`.

use longjobs_core::settings_doc::undocumented;

#[test]
fn every_simulator_setting_is_in_the_configuration_doc() {
    let missing = undocumented(env!("CARGO_BIN_EXE_longjobs-sim"), &[]);
    assert!(
        missing.is_empty(),
        "longjobs-sim: not in docs/configuration.md: {missing:?}"
    );
}
