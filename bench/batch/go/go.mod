module github.com/mx-sso/mx-sso/bench/batch/go

go 1.22
