module github.com/mx-sso/mx-sso/examples/go

go 1.22

require github.com/mx-sso/mx-sso/bindings/go v0.0.0

// The bindings live in this repository; no download is needed.
replace github.com/mx-sso/mx-sso/bindings/go => ../../bindings/go
