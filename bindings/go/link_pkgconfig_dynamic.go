//go:build mxsso_pkgconfig && mxsso_dynamic

package mxsso

// Dynamic linking against an installed mx-sso (build tags mxsso_pkgconfig and mxsso_dynamic):
// pkg-config's mx_sso module gives -L PREFIX/lib -lmx_sso; the binary loads libmx_sso.so.0.<minor>
// at run time from the system search path (ldconfig), LD_LIBRARY_PATH, or an rpath added with
// CGO_LDFLAGS=-Wl,-rpath,PREFIX/lib.

/*
#cgo pkg-config: mx_sso
*/
import "C"
