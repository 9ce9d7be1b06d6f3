module github.com/mx-sso/mx-sso/bindings/go

go 1.22
