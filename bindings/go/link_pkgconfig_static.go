//go:build mxsso_pkgconfig && !mxsso_dynamic

package mxsso

// Static linking against an installed mx-sso (build tag mxsso_pkgconfig): pkg-config's
// mx_sso-static module names the installed libmx_sso.a and the system libraries it needs, so
// the binary has no libmx_sso.so dependency and no path into this repository's build tree.
// `make install PREFIX=...` writes the module; point PKG_CONFIG_PATH at PREFIX/lib/pkgconfig
// for a prefix pkg-config does not search.

/*
#cgo pkg-config: mx_sso-static
*/
import "C"
