//go:build mxsso_dynamic && !mxsso_pkgconfig

package mxsso

// Dynamic linking (build tag mxsso_dynamic): the binary loads libmx_sso.so at run time. The
// rpath points at the build tree; a deployed binary finds the library through LD_LIBRARY_PATH
// or the system search path instead.

/*
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -lmx_sso -Wl,-rpath,${SRCDIR}/../../target/release
*/
import "C"
