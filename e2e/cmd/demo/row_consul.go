//go:build consul

package main

import "github.com/dtmdrivers/drivers/e2e/internal/scenario/consul"

func init() { rows["consul"] = consul.New }
