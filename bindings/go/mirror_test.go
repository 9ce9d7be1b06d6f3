package mxsso

// The package mirrors three things of the library: the operation names, the option keys and
// the default timeout_ms. Each is checked against the library here (the statuses are checked
// against the header in errors_test.go).

import (
	"context"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Every operation name the package uses is one the library knows: the library refuses each
// for a missing argument, never as an unknown operation.
func TestOperationNamesAreTheLibrarys(t *testing.T) {
	c, err := NewClient(WithBaseURL("http://127.0.0.1:1"), WithCredentials("k", "CLT-1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, unknown := c.Call(context.Background(), "user.unknown", "", nil)
	for _, op := range []string{opUserCreate, opUserRead, opUserUpdate, opUserDelete, opUserEnsure,
		opMemberCreate, opMemberRead, opMemberUpdate, opMemberDelete, opMemberEnsure} {
		_, err := c.Call(context.Background(), op, "", nil) // no id, no body: refused either way
		e := asError(t, err)
		if e.Code != CodeInvalidArgument || e.Message == asError(t, unknown).Message || !strings.Contains(e.Message, op) {
			t.Errorf("%s: %#v", op, e)
		}
	}
}

// The package has an option for every key of the header's list, and the library accepts each
// key the package can send.
func TestOptionKeysAreTheLibrarys(t *testing.T) {
	header, err := os.ReadFile("../../include/mx_sso.h")
	if err != nil {
		t.Fatal(err)
	}
	list := regexp.MustCompile(`Keys \(all optional\):([^;]*);`).FindSubmatch(header)
	if list == nil {
		t.Fatal("no list of option keys in the header")
	}
	documented := regexp.MustCompile("`(\\w+)`").FindAllStringSubmatch(string(list[1]), -1)
	var names, keys []string
	fields := reflect.TypeOf(options{})
	for i := 0; i < fields.NumField(); i++ {
		if tag := fields.Field(i).Tag.Get("json"); tag != "" {
			name := strings.Split(tag, ",")[0]
			names = append(names, name)
			keys = append(keys, `"`+name+`": null`)
		}
	}
	var want []string
	for _, m := range documented {
		want = append(want, m[1])
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("option keys %v; the header lists %v", names, want)
	}
	ptr, err := newNativeClient("{" + strings.Join(keys, ", ") + "}")
	if err != nil {
		t.Fatalf("the library refuses a key: %v", err)
	}
	freeNativeClient(ptr)
}

// defaultTimeout is the library's default timeout_ms (src/options.rs, the options table).
func TestDefaultTimeoutIsTheLibrarys(t *testing.T) {
	source, err := os.ReadFile("../../src/options.rs")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*timeout_ms: u64 = ([0-9_]+),`).FindSubmatch(source)
	if m == nil {
		t.Fatal("no timeout_ms default in src/options.rs")
	}
	ms, err := strconv.Atoi(strings.ReplaceAll(string(m[1]), "_", ""))
	if err != nil || time.Duration(ms)*time.Millisecond != defaultTimeout {
		t.Errorf("the library's default timeout_ms is %s; the package has %v", m[1], defaultTimeout)
	}
}
