//! Generates the C header from src/ffi.rs and checks it against the committed
//! include/mx_sso.h. With MX_SSO_UPDATE_HEADER=1 (`make header`) the committed copy is
//! rewritten instead. `with_src` parses the one file without `cargo metadata`, which would
//! need the network.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let ffi = root.join("src/ffi/mod.rs");
    let committed = root.join("include/mx_sso.h");
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=include/mx_sso.h");
    println!("cargo:rerun-if-env-changed=MX_SSO_UPDATE_HEADER");

    let version = |part: &str| -> u32 {
        env::var(format!("CARGO_PKG_VERSION_{part}"))
            .expect("set by cargo")
            .parse()
            .expect("numeric version")
    };
    let (major, minor, patch) = (version("MAJOR"), version("MINOR"), version("PATCH"));
    // SONAME, the promise of README "ABI policy": libmx_sso.so.0.<minor> while 0.x (cargo-c's
    // convention), libmx_sso.so.<major> from 1.0. packaging/install.sh reads it from the file.
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let abi = if major == 0 {
            format!("0.{minor}")
        } else {
            major.to_string()
        };
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libmx_sso.so.{abi}");
    }
    let mut config =
        cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("readable cbindgen.toml");
    config.after_includes = Some(format!(
        "\n/** Version of this header; compare with mx_version_number() at start-up. */\n\
         #define MX_SSO_VERSION_MAJOR {major}\n\
         #define MX_SSO_VERSION_MINOR {minor}\n\
         #define MX_SSO_VERSION_PATCH {patch}\n\
         #define MX_SSO_VERSION_NUMBER ({major} * 1000000 + {minor} * 1000 + {patch})\n\
         #define MX_SSO_VERSION_STRING \"{major}.{minor}.{patch}\"\n"
    ));
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(&ffi)
        .generate()
        .expect("cbindgen could not parse src/ffi.rs");

    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("mx_sso.h");
    bindings.write_to_file(&out);
    // Lets tests/header.rs compare the generated header with the committed one.
    println!("cargo:rustc-env=MX_SSO_GENERATED_HEADER={}", out.display());

    let generated = fs::read(&out).expect("header just written");
    if env::var_os("MX_SSO_UPDATE_HEADER").is_some_and(|v| v == "1") {
        if fs::read(&committed).ok().as_deref() != Some(generated.as_slice()) {
            fs::write(&committed, &generated).expect("include/mx_sso.h writable");
        }
    } else if fs::read(&committed).ok().as_deref() != Some(generated.as_slice()) {
        println!(
            "cargo:warning=include/mx_sso.h is stale: it differs from what src/ffi.rs generates; run `make header`"
        );
    }
}
