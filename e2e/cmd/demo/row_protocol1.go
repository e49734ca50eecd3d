//go:build protocol1

package main

import "github.com/dtmdrivers/drivers/e2e/internal/scenario/protocol1"

func init() { rows["protocol1"] = protocol1.New }
