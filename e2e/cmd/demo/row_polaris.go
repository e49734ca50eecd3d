//go:build polaris

package main

import "github.com/dtmdrivers/drivers/e2e/internal/scenario/polaris"

func init() { rows["polaris"] = polaris.New }
