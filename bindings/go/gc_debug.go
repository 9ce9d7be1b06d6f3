//go:build mxsso_debug

package mxsso

import "runtime"

// debugGC runs a full collection before every mx_client_new and update call under the
// mxsso_debug build tag, so that a handle or buffer freed too early (a missing
// runtime.KeepAlive) fails the tests at once instead of by chance.
func debugGC() { runtime.GC() }
