module github.com/dtmdrivers/drivers/bench/testdata/upstream-protocol1

go 1.26

require (
	github.com/dtm-labs/dtmdriver v0.0.1
	github.com/dtm-labs/dtmdriver-protocol1 v0.0.1
	github.com/dtmdrivers/drivers/bench/corpus v0.1.0
)

require (
	github.com/golang/protobuf v1.5.2 // indirect
	google.golang.org/grpc v1.38.0 // indirect
	google.golang.org/protobuf v1.27.1 // indirect
)

replace github.com/dtmdrivers/drivers/bench/corpus => ../../corpus
