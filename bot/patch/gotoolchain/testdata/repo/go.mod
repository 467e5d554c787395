module example.com/app

go 1.22.0

toolchain go1.22.3
