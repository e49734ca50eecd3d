//go:build gozero

package main

import "github.com/dtmdrivers/drivers/e2e/internal/scenario/gozero"

func init() { rows["gozero"] = gozero.New }
