module github.com/keinetech/kaine/sdk/go

go 1.26
