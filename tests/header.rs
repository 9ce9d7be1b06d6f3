//! The committed C header must equal what src/ffi/ generates (build.rs writes the generated
//! copy to OUT_DIR). Fails with the command that refreshes it.

#[test]
fn committed_header_matches_the_code() {
    let generated = std::fs::read_to_string(env!("MX_SSO_GENERATED_HEADER"))
        .expect("build.rs writes the generated header");
    let committed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/mx_sso.h");
    let committed = std::fs::read_to_string(committed_path).expect("include/mx_sso.h exists");
    assert!(
        generated == committed,
        "include/mx_sso.h is stale: it differs from what src/ffi/ generates. \
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

#[test]
fn every_operation_has_its_two_c_functions_and_every_status_its_documented_text() {
    let header = include_str!("../include/mx_sso.h");
    for op in mx_sso::Operation::all() {
        let (resource, verb) = op.name().split_once('.').expect("resource.verb");
        for function in [
            format!("mx_{verb}_{resource}("),
            format!("mx_client_{verb}_{resource}("),
        ] {
            assert!(
                header.contains(&function),
                "mx_sso.h lacks {function} for {}",
                op.name()
            );
        }
    }
    for status in mx_sso::Status::ALL {
        let line = format!("{} = {}", status.name(), status as i32);
        assert!(header.contains(&line), "mx_sso.h lacks {line:?}");
    }
    for name in [
        "mx_client_call(",
        "mx_client_set_event_handler(",
        "mx_client_stats(",
        "mx_event_fn",
    ] {
        assert!(header.contains(name), "mx_sso.h lacks {name}");
    }
    assert!(
        !header.contains("# Safety"),
        "Rust-only headings belong in no C header"
    );
}
