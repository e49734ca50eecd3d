package busi

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
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
type Bank struct {
	mu       sync.Mutex
	balances map[int]int64
	// OnCall, if set, is told of every call a server answers: which server, which
	// method, what transfer.
	OnCall func(server, method string, t Transfer)
	// Fail, if set, may return an error for a call instead of performing it.
	Fail func(server, method string, t Transfer) error
}

// NewBank returns a bank with the given opening balances.
func NewBank(balances map[int]int64) *Bank {
	b := &Bank{balances: map[int]int64{}}
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

func (b *Bank) add(user int, delta int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.balances[user] += delta
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
				if b.OnCall != nil {
					b.OnCall(server, name, t)
				}
				b.add(t.User, delta*t.Amount)
				return &emptypb.Empty{}, nil
			},
		}
	}
	s.RegisterService(&grpc.ServiceDesc{
		ServiceName: ServiceName,
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{
			method("TransOut", -1),
			method("TransOutRevert", +1),
			method("TransIn", +1),
			method("TransInRevert", -1),
		},
	}, nil)
}
