package weighted

import (
	"slices"
	"testing"
)

func TestSmoothOrder(t *testing.T) {
	tests := []struct {
		weights []uint32
		want    []uint32
	}{
		{[]uint32{1, 1, 1}, []uint32{0, 1, 2}},
		{[]uint32{4, 4}, []uint32{0, 1}},
		{[]uint32{5, 1, 1}, []uint32{0, 0, 1, 0, 2, 0, 0}}, // nginx's example: interleaved
		{[]uint32{1, 2, 7}, nil},                           // counted below
	}
	for _, tt := range tests {
		got := smoothOrder(tt.weights)
		if tt.want != nil && !slices.Equal(got, tt.want) {
			t.Errorf("smoothOrder(%v) = %v, want %v", tt.weights, got, tt.want)
		}
		counts := make([]uint32, len(tt.weights))
		for _, i := range got {
			counts[i]++
		}
		g := uint32(0)
		for _, w := range tt.weights {
			g = uint32(gcd(uint64(g), uint64(w)))
		}
		for i, w := range tt.weights {
			if counts[i] != w/g {
				t.Errorf("smoothOrder(%v): index %d appears %d times, want %d", tt.weights, i, counts[i], w/g)
			}
		}
	}
}

// TestSmoothOrderScaled checks weights summing past maxOrder: the order is
// bounded and each share moves by at most 0.01% of the calls per endpoint
// (rounding, and the small weights raised to 1).
func TestSmoothOrderScaled(t *testing.T) {
	weights := []uint32{1, 65535, 40000, 4294967295, 7}
	order := smoothOrder(weights)
	if len(order) > maxOrder+len(weights) {
		t.Fatalf("order of %d, want at most about %d", len(order), maxOrder)
	}
	var sum float64
	for _, w := range weights {
		sum += float64(w)
	}
	counts := make([]int, len(weights))
	for _, i := range order {
		counts[i]++
	}
	for i, w := range weights {
		got, want := float64(counts[i])/float64(len(order)), float64(w)/sum
		if tol := float64(len(weights)) / maxOrder; got-want > tol || want-got > tol {
			t.Errorf("index %d: share %.6f, want %.6f", i, got, want)
		}
	}
}
