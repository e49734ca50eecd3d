module github.com/dtmdrivers/drivers/testenv/polaristest

go 1.26
