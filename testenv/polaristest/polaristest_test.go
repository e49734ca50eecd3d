package polaristest

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestStart(t *testing.T) {
	start := time.Now()
	s := Start(t)
	t.Logf("ready %v after Start", time.Since(start).Round(time.Millisecond))

	for _, a := range []string{s.HTTPAddr(), s.GRPCAddr()} {
		if host, _, err := net.SplitHostPort(a); err != nil || host != "127.0.0.1" {
			t.Errorf("address %q is not on 127.0.0.1", a)
		}
	}
	if s.HTTPAddr() == s.GRPCAddr() {
		t.Errorf("HTTP and gRPC share %s", s.HTTPAddr())
	}
	for _, f := range []string{"conf/i18n/en.toml", "conf/i18n/zh.toml", "polaris.bolt"} {
		if _, err := os.Stat(filepath.Join(s.Dir(), f)); err != nil {
			t.Errorf("server directory: %v", err)
		}
	}
	if got := listenPorts(t, s); got != nil {
		want := []int{s.httpPort, s.grpcPort}
		if len(got) != 2 || !(got[0] == want[0] && got[1] == want[1] || got[0] == want[1] && got[1] == want[0]) {
			t.Errorf("server listens on %v, want only %v", got, want)
		}
	}

	const ns, svc = "default", "polaristest.start"
	register(t, s, ns, svc, "127.0.0.1", 9000)
	if got := s.Instances(t, ns, svc); len(got) != 1 || got[0].Port != 9000 || !got[0].Healthy || got[0].Isolate {
		t.Fatalf("Instances after register = %+v, want one healthy 127.0.0.1:9000", got)
	}
	// Discovery reads the naming cache, which lags the store.
	start = time.Now()
	waitFor(t, "discovery of the registered instance", func() bool {
		insts, err := s.discover(ns, svc)
		return err == nil && len(insts) == 1
	})
	t.Logf("instance discoverable %v after registration", time.Since(start).Round(time.Millisecond))

	s.SetIsolated(t, ns, svc, "127.0.0.1", 9000, true)
	if got := s.Instances(t, ns, svc); len(got) != 1 || !got[0].Isolate {
		t.Fatalf("Instances after isolate = %+v, want one isolated", got)
	}

	httpAddr, grpcAddr := s.HTTPAddr(), s.GRPCAddr()
	start = time.Now()
	s.Restart(t)
	t.Logf("restart took %v", time.Since(start).Round(time.Millisecond))
	if s.HTTPAddr() != httpAddr || s.GRPCAddr() != grpcAddr {
		t.Errorf("addresses after restart = %s, %s; want %s, %s", s.HTTPAddr(), s.GRPCAddr(), httpAddr, grpcAddr)
	}
	if got := s.Instances(t, ns, svc); len(got) != 1 || got[0].Port != 9000 || !got[0].Isolate {
		t.Fatalf("Instances after restart = %+v, want the isolated instance kept", got)
	}
	s.SetIsolated(t, ns, svc, "127.0.0.1", 9000, false)
	if got := s.Instances(t, ns, svc); len(got) != 1 || got[0].Isolate {
		t.Fatalf("Instances after isolation ended = %+v, want one not isolated", got)
	}

	s.Stop()
	s.Stop() // idempotent
	for _, a := range []string{httpAddr, grpcAddr} {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still answers after Stop", a)
		}
	}
}

// TestDeregisterOldInstance deregisters an instance whose record is older
// than the cache's window (cache.diffTime, 5s as shipped) in the two ways a
// client can: straight away, which discovery never sees (the store's known
// flaw, see polaris-server.yaml.tmpl), and after isolating it, which discovery
// does see.
func TestDeregisterOldInstance(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 6s")
	}
	s := Start(t)
	const ns = "default"
	for _, svc := range []string{"polaristest.deregister", "polaristest.isolate"} {
		register(t, s, ns, svc, "127.0.0.1", 9001)
		waitFor(t, "discovery of the registered instance", func() bool {
			insts, err := s.discover(ns, svc)
			return err == nil && len(insts) == 1
		})
	}
	select { // age the records past the window
	case <-time.After(6 * time.Second):
	case <-t.Context().Done():
		return
	}
	s.SetIsolated(t, ns, "polaristest.isolate", "127.0.0.1", 9001, true)
	for _, svc := range []string{"polaristest.deregister", "polaristest.isolate"} {
		var r polarisResponse
		err := s.do("POST", "/v1/DeregisterInstance", map[string]any{
			"namespace": ns, "service": svc, "host": "127.0.0.1", "port": 9001,
		}, &r)
		if err != nil || r.Code != codeOK {
			t.Fatalf("deregister: %v (code %d: %s)", err, r.Code, r.Info)
		}
	}
	if got := s.Instances(t, ns, "polaristest.isolate"); len(got) != 0 {
		t.Errorf("Instances after isolation and deregistration = %+v, want none", got)
	}
	waitFor(t, "the isolated then deregistered instance to leave discovery", func() bool {
		insts, err := s.discover(ns, "polaristest.isolate")
		return err == nil && len(insts) == 0
	})
	// The flaw this package's configuration no longer hides: still listed.
	if insts, err := s.discover(ns, "polaristest.deregister"); err != nil || len(insts) != 1 {
		t.Logf("the instance deregistered without isolation: discovery lists %+v, %v "+
			"(the Polaris store's flaw is fixed if it is gone)", insts, err)
	}
}

func TestInstancesOfUnknownService(t *testing.T) {
	s := Start(t)
	if got := s.Instances(t, "default", "polaristest.nosuchservice"); len(got) != 0 {
		t.Errorf("Instances = %+v, want none", got)
	}
}

// register registers an instance without health check through the HTTP
// client API.
func register(t *testing.T, s *Server, namespace, service, host string, port int) {
	t.Helper()
	var r polarisResponse
	err := s.do("POST", "/v1/RegisterInstance", map[string]any{
		"namespace": namespace, "service": service, "host": host, "port": port,
	}, &r)
	if err != nil || r.Code != codeOK {
		t.Fatalf("register %s:%d: %v (code %d: %s)", host, port, err, r.Code, r.Info)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 10s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// listenPorts returns the TCP ports the server process listens on, from
// /proc, or nil where /proc is missing.
func listenPorts(t *testing.T, s *Server) []int {
	t.Helper()
	s.mu.Lock()
	pid := s.cmd.Process.Pid
	s.mu.Unlock()
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Logf("cannot list the server's sockets: %v", err)
		return nil
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		l, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "fd", fd.Name()))
		if err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	var ports []int
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" || !inodes[fields[9]] {
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			if p, err := strconv.ParseInt(hexPort, 16, 32); err == nil {
				ports = append(ports, int(p))
			}
		}
		f.Close()
	}
	return ports
}

func TestFindBinary(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, ".bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	nested := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}

	if _, err := findBinary("", false, nested); err == nil {
		t.Error("found a binary in a tree without one")
	}
	if _, err := findBinary(bin, true, nested); err == nil || !strings.Contains(err.Error(), binEnv) {
		t.Errorf("missing binary in %s: err = %v, want one naming %s", binEnv, err, binEnv)
	}

	exe := filepath.Join(bin, binaryName)
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := findBinary(bin, true, nested); err == nil {
		t.Error("accepted a binary without execute permission")
	}
	if err := os.Chmod(exe, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir    string
		useDir bool
	}{{bin, true}, {"", false}} {
		got, err := findBinary(c.dir, c.useDir, nested)
		if err != nil || got != exe {
			t.Errorf("findBinary(%q, %v) = %q, %v; want %q", c.dir, c.useDir, got, err, exe)
		}
	}
	// DTMDRIVERS_BIN wins over the walk up, even if it has no binary.
	if _, err := findBinary(t.TempDir(), true, nested); err == nil {
		t.Error("DTMDRIVERS_BIN without a binary: found one anyway")
	}
}

func TestTail(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"a\nb\nc\n", 2, "b\nc"},
		{"a\nb\nc", 5, "a\nb\nc"},
		{"a\nb\nc\n", 3, "a\nb\nc"},
		{"", 3, ""},
	} {
		if got := string(tail([]byte(c.in), c.n)); got != c.want {
			t.Errorf("tail(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// TestStartWithAuth: with auth on, the helpers' requests (they send the
// token) pass, and requests without a token or with a wrong one are refused,
// reads and registrations alike.
func TestStartWithAuth(t *testing.T) {
	s := Start(t, WithAuth())
	if s.Token() != AdminToken {
		t.Fatalf("Token() = %q, want the administrator's", s.Token())
	}
	const ns, svc = "default", "polaristest.auth"
	register(t, s, ns, svc, "127.0.0.1", 9001)
	if got := s.Instances(t, ns, svc); len(got) != 1 || got[0].Port != 9001 {
		t.Fatalf("Instances with the token = %+v, want 127.0.0.1:9001", got)
	}
	for _, token := range []string{"", "not-a-token"} {
		anon := &Server{httpPort: s.httpPort, grpcPort: s.grpcPort}
		var r polarisResponse
		err := anon.doToken(token, "POST", "/v1/RegisterInstance", map[string]any{
			"namespace": ns, "service": svc, "host": "127.0.0.1", "port": 9002,
		}, &r)
		if err != nil {
			t.Fatal(err)
		}
		if r.Code == codeOK {
			t.Errorf("registration with token %q accepted", token)
		}
		t.Logf("registration with token %q: code %d: %s", token, r.Code, r.Info)
		if _, err := anon.discoverToken(token, ns, svc); err == nil {
			t.Errorf("discovery with token %q answered", token)
		} else {
			t.Logf("discovery with token %q: %v", token, err)
		}
	}
	if got := s.Instances(t, ns, svc); len(got) != 1 {
		t.Errorf("Instances after the refused registrations = %+v, want only 127.0.0.1:9001", got)
	}
}

func TestPublishList(t *testing.T) {
	s := Start(t)
	const svc = "polaristest.kit"
	var server string
	t.Run("publish", func(t *testing.T) {
		server = s.Publish(t, svc, "127.0.0.1:9101")
		s.Publish(t, svc, "127.0.0.1:9102")
		want := []string{"127.0.0.1:9101", "127.0.0.1:9102"}
		waitFor(t, "both published instances listed", func() bool {
			got, err := s.List(t.Context(), svc)
			return err == nil && slices.Equal(got, want)
		})
	})
	if want := "polaris://" + svc + "?namespace=default"; server != want {
		t.Errorf("Publish returned %q, want %q", server, want)
	}
	waitFor(t, "the withdrawn instances to leave the list", func() bool {
		got, err := s.List(t.Context(), svc)
		return err == nil && len(got) == 0
	})
}
