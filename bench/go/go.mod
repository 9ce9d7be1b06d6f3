module github.com/mx-sso/mx-sso/bench/go

go 1.22

require github.com/mx-sso/mx-sso/bindings/go v0.0.0

replace github.com/mx-sso/mx-sso/bindings/go => ../../bindings/go
