//go:build !mxsso_dynamic && !mxsso_pkgconfig

package mxsso

// Static linking (the default): the Rust static library is linked into the Go binary, which
// then has no libmx_sso.so dependency. The system libraries are the ones
// `cargo rustc --release -p mx-sso --lib --crate-type staticlib -- --print native-static-libs`
// reports for Linux. Build the library first with `cargo build --release -p mx-sso`.

/*
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libmx_sso.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
*/
import "C"
