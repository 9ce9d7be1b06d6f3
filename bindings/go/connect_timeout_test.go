//go:build linux

package mxsso

import (
	"context"
	"errors"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// unansweredListener is a loopback address whose connects hang: a socket listening with a
// backlog of 0, never accepting, its queue filled by a few connections, so that the kernel
// drops further SYNs. Closed when the test ends.
func unansweredListener(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	bound, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(bound.(*syscall.SockaddrInet4).Port)
	for i := 0; i < 3; i++ {
		if conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			t.Cleanup(func() { conn.Close() })
		}
	}
	return addr
}

// A call bounded by its context that times out for a reason of its own (here the connect
// timeout, long before the context's deadline) is a timeout, but not the context's: the error
// does not match context.DeadlineExceeded.
func TestConnectTimeoutIsNotTheContexts(t *testing.T) {
	addr := unansweredListener(t)
	c, err := NewClient(WithBaseURL("http://"+addr), WithCredentials("key-connect-test", "CLT-connect-test"),
		WithTimeout(30*time.Second), WithConnectTimeout(200*time.Millisecond), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // sooner than 30 s: bounds the call
	defer cancel()
	_, err = c.ReadUser(ctx, "u-connect")
	wantError(t, err, CodeTimeout, 0, "connect_timeout_ms")
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		t.Errorf("a connect timeout is reported as the context's deadline: %v (ctx: %v)", err, ctx.Err())
	}
}
