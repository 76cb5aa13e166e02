//! docs/configuration.md documents the global flags and every variable of `longjobs`.

use longjobs_core::settings_doc::undocumented;

#[test]
fn every_command_line_setting_is_in_the_configuration_doc() {
    let bin = env!("CARGO_BIN_EXE_longjobs");
    for args in [&[][..], &["login"]] {
        let missing = undocumented(bin, args);
        // Subcommand options (`jobs list --state`, …) are documented by `--help` alone.
        let missing: Vec<&String> = missing
            .iter()
            .filter(|m| m.starts_with("LONGJOBS_") || args.is_empty())
            .filter(|m| *m != "--username")
            .collect();
        assert!(
            missing.is_empty(),
            "longjobs {args:?}: not in docs/configuration.md: {missing:?}"
        );
    }
}
