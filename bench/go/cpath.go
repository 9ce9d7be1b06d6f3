package main

// The C path in this process: mx_client_update_user called and timed in C, so the mxsso
// package's overhead (cgo, argument copies, its lock) shows as the difference.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libmx_sso.a -lgcc_s -lutil -lrt -lpthread -lm -ldl
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include "mx_sso.h"

static mx_client *bench_client(const char *options) {
	char *err = NULL;
	mx_client *c = mx_client_new(options, &err);
	mx_string_free(err);
	return c;
}

static int bench_c_path(const mx_client *client, const char *key, const char *cg,
                        const char *user, const char *body, int n, int64_t *ns) {
	int failed = 0;
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		char *out = NULL;
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (mx_client_update_user(client, key, cg, user, body, &out) != MX_OK) failed++;
		mx_string_free(out);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns[i] = (int64_t)(b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
	}
	return failed;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

type cPath struct {
	client              *C.mx_client
	key, cg, user, body *C.char
}

func newCPath(optionsJSON, key, cg, user, body string) (*cPath, error) {
	opts := C.CString(optionsJSON)
	defer C.free(unsafe.Pointer(opts))
	c := C.bench_client(opts)
	if c == nil {
		return nil, fmt.Errorf("mx_client_new failed for %s", optionsJSON)
	}
	return &cPath{c, C.CString(key), C.CString(cg), C.CString(user), C.CString(body)}, nil
}

func (p *cPath) run(n int) ([]int64, error) {
	ns := make([]int64, n)
	failed := C.bench_c_path(p.client, p.key, p.cg, p.user, p.body, C.int(n), (*C.int64_t)(unsafe.Pointer(&ns[0])))
	if failed != 0 {
		return nil, fmt.Errorf("%d C-path calls failed", int(failed))
	}
	return ns, nil
}
