package busi

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// branchCtx is the context of a call dtm makes for one branch operation.
func branchCtx(gid, branch, op string) context.Context {
	return metadata.NewIncomingContext(context.Background(),
		metadata.Pairs("dtm-gid", gid, "dtm-branch_id", branch, "dtm-op", op))
}

func TestBarrier(t *testing.T) {
	for _, tc := range []struct {
		name  string
		calls []string // ops of one branch, in order; forward ops add 10, compensations take 10
		want  int64
		codes []codes.Code
	}{
		{"action", []string{"action"}, 110, []codes.Code{codes.OK}},
		{"action retried", []string{"action", "action"}, 110, []codes.Code{codes.OK, codes.OK}},
		{"action compensated", []string{"action", "compensate", "compensate"}, 100, []codes.Code{codes.OK, codes.OK, codes.OK}},
		{"compensation without action", []string{"compensate"}, 100, []codes.Code{codes.OK}},
		{"action after its compensation", []string{"compensate", "action"}, 100, []codes.Code{codes.OK, codes.Aborted}},
		{"tcc try cancel", []string{"try", "cancel"}, 100, []codes.Code{codes.OK, codes.OK}},
		{"tcc confirm retried", []string{"confirm", "confirm"}, 110, []codes.Code{codes.OK, codes.OK}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBank(map[int]int64{1: 100})
			for i, op := range tc.calls {
				delta := int64(10)
				if op == "compensate" || op == "cancel" {
					delta = -10
				}
				err := b.apply(branchCtx("g1", "01", op), 1, delta)
				if got := status.Code(err); got != tc.codes[i] {
					t.Errorf("call %d (%s): code %v, want %v", i, op, got, tc.codes[i])
				}
			}
			if got := b.Balance(1); got != tc.want {
				t.Errorf("balance %d, want %d", got, tc.want)
			}
		})
	}
	t.Run("plain calls", func(t *testing.T) {
		b := NewBank(map[int]int64{1: 100})
		for range 2 {
			if err := b.apply(context.Background(), 1, 10); err != nil {
				t.Fatal(err)
			}
		}
		if got := b.Balance(1); got != 120 {
			t.Errorf("balance %d, want 120: calls outside a transaction always apply", got)
		}
	})
}
