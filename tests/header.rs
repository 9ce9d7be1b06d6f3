//! The committed C header must equal what src/ffi.rs generates (build.rs writes the generated
//! copy to OUT_DIR). Fails with the command that refreshes it.

#[test]
fn committed_header_matches_the_code() {
    let generated = std::fs::read_to_string(env!("MX_SSO_GENERATED_HEADER"))
        .expect("build.rs writes the generated header");
    let committed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/mx_sso.h");
    let committed = std::fs::read_to_string(committed_path).expect("include/mx_sso.h exists");
    assert!(
        generated == committed,
        "include/mx_sso.h is stale: it differs from what src/ffi.rs generates. \
         Run `make header` and commit the result."
    );
}

#[test]
fn header_declares_every_documented_function_and_macro() {
    let header = include_str!("../include/mx_sso.h");
    for item in [
        "mx_status mx_update_user(",
        "mx_client *mx_client_new(",
        "mx_status mx_client_update_user(",
        "void mx_client_free(",
        "void mx_string_free(",
        "const char *mx_status_str(int status)",
        "const char *mx_version(void)",
        "uint32_t mx_version_number(void)",
        "#define MX_SSO_VERSION_MAJOR",
        "#define MX_SSO_VERSION_MINOR",
        "#define MX_SSO_VERSION_PATCH",
        "#define MX_SSO_VERSION_NUMBER",
        "MX_ERR_INTERNAL = 7",
        "extern \"C\"",
    ] {
        assert!(header.contains(item), "mx_sso.h lacks {item:?}");
    }
}
