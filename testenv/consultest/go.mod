module github.com/dtmdrivers/drivers/testenv/consultest

go 1.26
