package etcdtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// PublishTTL is the time to live, in seconds, of the lease under which
// [Etcd.Publish] registers: go-zero's discov.TimeToLive.
const PublishTTL = 10

// Publish registers addr under key as go-zero's discov.Publisher does for a
// zrpc server: the key "<key>/<lease id>" holds addr under a lease of
// [PublishTTL] seconds that is kept alive until the test ends, then revoked.
// It returns go-zero's branch URI form of the key, "etcd://<endpoint>/<key>".
// On a nil *Etcd (no etcd under -short) it skips the test.
func (e *Etcd) Publish(t testing.TB, key, addr string) (server string) {
	t.Helper()
	if e == nil {
		t.Skip("needs etcd: not with -short")
	}
	withdraw, err := e.Register(key, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(withdraw)
	return "etcd://" + e.Endpoint() + "/" + key
}

// Register is [Etcd.Publish] for code without a testing.TB (a TestMain, e2e's
// scenarios): it publishes addr under key and returns a function that stops
// the keep-alive and revokes the lease.
func (e *Etcd) Register(key, addr string) (withdraw func(), err error) {
	c, err := e.kitClient()
	if err != nil {
		return nil, fmt.Errorf("etcdtest: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	lease, err := c.Grant(ctx, PublishTTL)
	if err != nil {
		return nil, fmt.Errorf("etcdtest: publishing %s under %s: %w", addr, key, err)
	}
	if _, err := c.Put(ctx, fmt.Sprintf("%s/%d", key, lease.ID), addr, clientv3.WithLease(lease.ID)); err != nil {
		return nil, fmt.Errorf("etcdtest: publishing %s under %s: %w", addr, key, err)
	}
	keep, stop := context.WithCancel(context.Background())
	ch, err := c.KeepAlive(keep, lease.ID)
	if err != nil {
		stop()
		return nil, fmt.Errorf("etcdtest: keeping %s alive under %s: %w", addr, key, err)
	}
	go func() {
		for range ch { // drain the responses until the keep-alive ends
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			stop()
			ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
			defer cancel()
			_, _ = c.Revoke(ctx, lease.ID)
		})
	}, nil
}

// List returns the values (host:port, sorted) under "<key>/": what go-zero's
// subscriber of key lists.
func (e *Etcd) List(ctx context.Context, key string) ([]string, error) {
	if e == nil {
		return nil, fmt.Errorf("etcdtest: etcd is not running")
	}
	c, err := e.kitClient()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	resp, err := c.Get(ctx, key+"/", clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("etcdtest: reading %s: %w", key, err)
	}
	vals := make([]string, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		vals = append(vals, string(kv.Value))
	}
	slices.Sort(vals)
	return vals, nil
}

// kitClient returns the member's client for Publish and List, dialled once
// (as root once auth is on) and closed by Stop.
func (e *Etcd) kitClient() (*clientv3.Client, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.kit == nil {
		c, err := dial(e.Endpoints(), e.auth)
		if err != nil {
			return nil, err
		}
		e.kit = c
	}
	return e.kit, nil
}
