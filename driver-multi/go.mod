module github.com/dtmdrivers/drivers/driver-multi

go 1.26.7

require (
	github.com/dtmdrivers/drivers/driver-consul v0.1.0
	github.com/dtmdrivers/drivers/driver-protocol1 v0.1.0
	github.com/dtmdrivers/drivers/dtmdriver v0.1.0
	github.com/dtmdrivers/drivers/testenv/consultest v0.1.0
	google.golang.org/grpc v1.85.0
)

require (
	github.com/armon/go-metrics v0.4.1 // indirect
	github.com/dtm-labs/dtmdriver v0.0.6 // indirect
	github.com/fatih/color v1.19.0 // indirect
	github.com/go-resty/resty/v2 v2.7.0 // indirect
	github.com/go-viper/mapstructure/v2 v2.5.0 // indirect
	github.com/hashicorp/consul/api v1.34.5 // indirect
	github.com/hashicorp/errwrap v1.1.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-hclog v1.6.3 // indirect
	github.com/hashicorp/go-immutable-radix v1.3.1 // indirect
	github.com/hashicorp/go-metrics v0.6.0 // indirect
	github.com/hashicorp/go-multierror v1.1.1 // indirect
	github.com/hashicorp/go-rootcerts v1.0.2 // indirect
	github.com/hashicorp/golang-lru v1.0.2 // indirect
	github.com/hashicorp/serf v0.10.4 // indirect
	github.com/mattn/go-colorable v0.1.15 // indirect
	github.com/mattn/go-isatty v0.0.22 // indirect
	github.com/mitchellh/go-homedir v1.1.0 // indirect
	golang.org/x/exp v0.0.0-20260218203240-3dfff04db8fa // indirect
	golang.org/x/net v0.61.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace github.com/dtmdrivers/drivers/dtmdriver => ../dtmdriver

replace github.com/dtmdrivers/drivers/driver-protocol1 => ../driver-protocol1

replace github.com/dtmdrivers/drivers/driver-consul => ../driver-consul

replace github.com/dtmdrivers/drivers/testenv/consultest => ../testenv/consultest
