package consultest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindBinary(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := findBinary("", false, deep); err == nil || !strings.Contains(err.Error(), ".bin/consul") {
		t.Fatalf("no binary: err = %v", err)
	}

	bin := filepath.Join(root, "a", ".bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	consul := filepath.Join(bin, "consul")
	if err := os.WriteFile(consul, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := findBinary("", false, deep); err == nil {
		t.Fatal("found a binary that is not executable")
	}
	if err := os.Chmod(consul, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := findBinary("", false, deep); err != nil || got != consul {
		t.Fatalf("walk up: %q, %v; want %q", got, err, consul)
	}

	// The environment variable wins and is not walked up from.
	if got, err := findBinary(bin, true, root); err != nil || got != consul {
		t.Fatalf("from env: %q, %v; want %q", got, err, consul)
	}
	empty := t.TempDir()
	if _, err := findBinary(empty, true, deep); err == nil || !strings.Contains(err.Error(), BinEnv) {
		t.Fatalf("env dir without consul: err = %v", err)
	}
}

func TestFreePorts(t *testing.T) {
	p, err := freePorts()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, port := range []int{p.http, p.serfLAN, p.server} {
		if port <= 0 || seen[port] {
			t.Fatalf("bad ports %+v", p)
		}
		seen[port] = true
	}
}
