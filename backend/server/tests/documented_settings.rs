//! docs/configuration.md documents every flag and variable of `longjobs-server`.

use longjobs_core::settings_doc::undocumented;

#[test]
fn every_server_setting_is_in_the_configuration_doc() {
    let bin = env!("CARGO_BIN_EXE_longjobs-server");
    for args in [&[][..], &["serve"], &["create-user"], &["migrate"]] {
        let missing = undocumented(bin, args);
        assert!(
            missing.is_empty(),
            "longjobs-server {args:?}: not in docs/configuration.md: {missing:?}"
        );
    }
}
