//go:build !mxsso_debug

package mxsso

// debugGC does nothing outside the mxsso_debug build tag; see gc_debug.go.
func debugGC() {}
