package busi

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// HTTPPrefix is the path under which HTTPHandler serves the methods:
// "/api/busi/TransOut" and so on.
const HTTPPrefix = "/api/busi/"

// HTTPTransfer is the JSON body of every HTTP method.
type HTTPTransfer struct {
	User   int   `json:"user"`
	Amount int64 `json:"amount"`
}

// HTTPHandler serves the bank's methods over HTTP the way dtmcli services
// answer dtm: POST HTTPPrefix+method with an HTTPTransfer body; dtm's gid,
// trans_type, branch_id and op in the query feed the same barrier as the gRPC
// metadata does. An Aborted error from Fail answers 409 with
// {"dtm_result":"FAILURE"} (dtm rolls back); any other error answers 503
// (dtm retries). server names the instance for OnCall and Fail.
func (b *Bank) HTTPHandler(server string) http.Handler {
	mux := http.NewServeMux()
	for _, m := range Methods {
		name, delta := m.Name, m.Delta
		mux.HandleFunc(HTTPPrefix+name, func(w http.ResponseWriter, r *http.Request) {
			var in HTTPTransfer
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
				http.Error(w, "body: want {\"user\":1,\"amount\":30}: "+err.Error(), http.StatusBadRequest)
				return
			}
			t := Transfer(in)
			q := r.URL.Query()
			ctx := metadata.NewIncomingContext(r.Context(), metadata.Pairs(
				"dtm-gid", q.Get("gid"), "dtm-branch_id", q.Get("branch_id"), "dtm-op", q.Get("op")))
			err := error(nil)
			if b.Fail != nil {
				err = b.Fail(server, name, t)
			}
			if err == nil {
				err = b.apply(ctx, t.User, delta*t.Amount)
			}
			switch {
			case err == nil:
				if b.OnCall != nil {
					b.OnCall(server, name, t)
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"dtm_result":"SUCCESS"}`)
			case status.Code(err) == codes.Aborted:
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusConflict)
				_, _ = io.WriteString(w, `{"dtm_result":"FAILURE","message":`+quoteJSON(err.Error())+`}`)
			default:
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
			}
		})
	}
	return mux
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(strings.ToValidUTF8(s, "?"))
	return string(b)
}
