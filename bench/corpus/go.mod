module github.com/dtmdrivers/drivers/bench/corpus

go 1.26
