package mxsso

import "sync/atomic"

// ledger counts what crosses the C boundary and must be given back: strings the library hands
// over through an out-parameter (given back with mx_string_free), C copies of Go strings
// (C.free) and clients (mx_client_free). native.go counts each where it is made and where it
// is released, in separate statements, so that a path that forgets a release leaves the two
// counts apart; memory_test.go checks that they meet. An atomic add per item is nothing next
// to a call.
var ledger struct {
	stringsHandedOver, stringsFreed atomic.Int64
	copiesMade, copiesFreed         atomic.Int64
	clientsMade, clientsFreed       atomic.Int64
}

// noteHandedOver counts a string the library handed over, when it handed one (non-NULL).
func noteHandedOver(handed bool) {
	if handed {
		ledger.stringsHandedOver.Add(1)
	}
}
