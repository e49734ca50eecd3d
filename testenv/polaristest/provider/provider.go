// Package provider registers test services in Polaris the way services built
// on polaris-go register, as grpc-go-polaris' server does: RegisterInstance
// with protocol grpc, version 1.0.0 and a TTL of 5 s, after which polaris-go
// sends the heartbeats. The driver's tests and the end-to-end rows use it for
// the services whose discovery they test; polaristest itself registers
// through the server's HTTP API.
package provider

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	polarisgo "github.com/polarismesh/polaris-go"
	"github.com/polarismesh/polaris-go/api"
	"github.com/polarismesh/polaris-go/pkg/config"
	"github.com/polarismesh/polaris-go/pkg/model"
	"google.golang.org/protobuf/proto"
)

// NewSDK returns a polaris-go SDK context of its own for the server at addr,
// with token ("" for none), its cache and logs under dir, and services
// refreshed every refresh (0 for polaris-go's default). Destroy it when done.
func NewSDK(addr, dir, token string, refresh time.Duration) (api.SDKContext, error) {
	if err := api.SetLoggersDir(filepath.Join(dir, "log")); err != nil {
		return nil, err
	}
	cfg := config.NewDefaultConfiguration([]string{addr})
	if token != "" {
		cfg.GetGlobal().GetServerConnector().SetToken(token)
	}
	cache := cfg.GetConsumer().GetLocalCache()
	cache.SetPersistDir(filepath.Join(dir, "backup"))
	if refresh > 0 {
		cache.SetServiceRefreshInterval(refresh)
	}
	cfg.GetConfigFile().GetLocalCache().SetPersistDir(filepath.Join(dir, "config"))
	// polaris-go v1.6.1's stat reporter races with itself (go test -race) and
	// keeps a listener open after Destroy; registration does not need it.
	cfg.GetGlobal().GetStatReporter().SetEnable(false)
	return polarisgo.NewSDKContextByConfig(cfg)
}

// Register registers addr (host:port) as an instance of namespace/service
// with metadata, as grpc-go-polaris' server does, and returns how to
// deregister it.
func Register(p api.ProviderAPI, namespace, service, addr string, metadata map[string]string) (deregister func() error, err error) {
	return register(p, "grpc", namespace, service, addr, metadata)
}

// RegisterHTTP registers the HTTP server at addr (host:port) as an instance
// of namespace/service with protocol http, as an HTTP service on polaris-go
// (or the Polaris Java SDK, which Spring Cloud Tencent uses) registers: same
// TTL and heartbeats as [Register]. It returns how to deregister it.
func RegisterHTTP(p api.ProviderAPI, namespace, service, addr string, metadata map[string]string) (deregister func() error, err error) {
	return register(p, "http", namespace, service, addr, metadata)
}

func register(p api.ProviderAPI, protocol, namespace, service, addr string, metadata map[string]string) (deregister func() error, err error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("port of %s: %w", addr, err)
	}
	req := &api.InstanceRegisterRequest{InstanceRegisterRequest: model.InstanceRegisterRequest{
		Service: service, Namespace: namespace, Host: host, Port: port,
		Protocol: proto.String(protocol), Version: proto.String("1.0.0"), Metadata: metadata,
	}}
	req.SetTTL(5)
	if _, err := p.RegisterInstance(req); err != nil {
		return nil, fmt.Errorf("RegisterInstance %s in %s/%s: %w", addr, namespace, service, err)
	}
	return func() error {
		return p.Deregister(&api.InstanceDeRegisterRequest{InstanceDeRegisterRequest: model.InstanceDeRegisterRequest{
			Service: service, Namespace: namespace, Host: host, Port: port,
		}})
	}, nil
}
