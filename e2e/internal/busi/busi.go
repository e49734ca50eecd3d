package busi

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// ServiceName is the gRPC service name; methods are "/busi.Busi/TransOut" and so on.
const ServiceName = "busi.Busi"

// Transfer is the request of every method, encoded as a protobuf string value
// "user:amount" so that the service needs no generated message types.
type Transfer struct {
	User   int
	Amount int64
}

// Encode returns the wire form of t.
func (t Transfer) Encode() *wrapperspb.StringValue {
	return wrapperspb.String(fmt.Sprintf("%d:%d", t.User, t.Amount))
}

// DecodeTransfer parses the wire form.
func DecodeTransfer(v *wrapperspb.StringValue) (Transfer, error) {
	var t Transfer
	if _, err := fmt.Sscanf(v.GetValue(), "%d:%d", &t.User, &t.Amount); err != nil {
		return t, status.Errorf(codes.InvalidArgument, "transfer %q: want user:amount", v.GetValue())
	}
	return t, nil
}

// Bank keeps balances in memory. Several servers may share one Bank.
//
// Calls that carry dtm's branch metadata (dtm-gid, dtm-branch_id, dtm-op) pass a
// barrier kept in memory, as dtm's own branch barrier does in a database: a
// repeated call changes nothing, a compensation whose action never ran changes
// nothing (dtm compensates a failed saga action too), and an action arriving after
// its compensation is refused with codes.Aborted.
type Bank struct {
	mu       sync.Mutex
	balances map[int]int64
	done     map[barrierKey]bool
	// OnCall, if set, is told of every call a server answers successfully: which
	// server, which method, what transfer.
	OnCall func(server, method string, t Transfer)
	// Fail, if set, is asked before every call, and may return an error for the
	// call instead of performing it: codes.Aborted makes dtm roll back, any other
	// error makes it retry.
	Fail func(server, method string, t Transfer) error
}

// barrierKey names one phase of one branch of one global transaction.
type barrierKey struct {
	gid, branch string
	phase       phase
}

type phase int

const (
	forward      phase = iota // saga action, TCC try
	compensation              // saga compensate, TCC cancel
	confirmation              // TCC confirm
)

// phaseOf maps dtm's op names to phases.
var phaseOf = map[string]phase{
	"action":     forward,
	"try":        forward,
	"compensate": compensation,
	"cancel":     compensation,
	"confirm":    confirmation,
}

// NewBank returns a bank with the given opening balances.
func NewBank(balances map[int]int64) *Bank {
	b := &Bank{balances: map[int]int64{}, done: map[barrierKey]bool{}}
	for u, v := range balances {
		b.balances[u] = v
	}
	return b
}

// Balance returns user's balance.
func (b *Bank) Balance(user int) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.balances[user]
}

// apply adds delta to user's balance unless the barrier says the call must not
// change anything; it returns an error when the call must be refused.
func (b *Bank) apply(ctx context.Context, user int, delta int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	md, _ := metadata.FromIncomingContext(ctx)
	get := func(k string) string {
		if v := md.Get(k); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	gid, branch, op := get("dtm-gid"), get("dtm-branch_id"), get("dtm-op")
	ph, known := phaseOf[op]
	if gid == "" || !known {
		b.balances[user] += delta // a plain call, outside any transaction
		return nil
	}
	key := barrierKey{gid, branch, ph}
	if b.done[key] {
		return nil // a retry of a call that already took effect
	}
	if ph == forward && b.done[barrierKey{gid, branch, compensation}] {
		return status.Errorf(codes.Aborted, "gid %s branch %s: already compensated", gid, branch)
	}
	b.done[key] = true
	if ph == compensation && !b.done[barrierKey{gid, branch, forward}] {
		return nil // the action never took effect: nothing to undo
	}
	b.balances[user] += delta
	return nil
}

// Methods lists every method with the change it makes to the user's balance,
// as a multiple of the amount.
var Methods = []struct {
	Name  string
	Delta int64
}{
	// Saga actions and compensations.
	{"TransOut", -1},
	{"TransOutRevert", +1},
	{"TransIn", +1},
	{"TransInRevert", -1},
	// TCC: the payer's money is held at Try and given back at Cancel; the payee's
	// arrives at Confirm.
	{"TransOutTry", -1},
	{"TransOutConfirm", 0},
	{"TransOutCancel", +1},
	{"TransInTry", 0},
	{"TransInConfirm", +1},
	{"TransInCancel", 0},
}

// Register adds the busi.Busi service, answering as server (a name for OnCall),
// to s.
func (b *Bank) Register(s grpc.ServiceRegistrar, server string) {
	method := func(name string, delta int64) grpc.MethodDesc {
		return grpc.MethodDesc{
			MethodName: name,
			Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				in := new(wrapperspb.StringValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				t, err := DecodeTransfer(in)
				if err != nil {
					return nil, err
				}
				if b.Fail != nil {
					if err := b.Fail(server, name, t); err != nil {
						return nil, err
					}
				}
				if err := b.apply(ctx, t.User, delta*t.Amount); err != nil {
					return nil, err
				}
				if b.OnCall != nil {
					b.OnCall(server, name, t)
				}
				return &emptypb.Empty{}, nil
			},
		}
	}
	desc := &grpc.ServiceDesc{ServiceName: ServiceName, HandlerType: (*any)(nil)}
	for _, m := range Methods {
		desc.Methods = append(desc.Methods, method(m.Name, m.Delta))
	}
	s.RegisterService(desc, nil)
}
